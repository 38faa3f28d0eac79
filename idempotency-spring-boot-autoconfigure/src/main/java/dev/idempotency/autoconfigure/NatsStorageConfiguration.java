package dev.idempotency.autoconfigure;

import java.io.IOException;
import java.time.Duration;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.nats.NatsBucketProvisioner;
import dev.idempotency.storage.nats.NatsBucketSettings;
import dev.idempotency.storage.nats.NatsIdempotencyStorage;

/**
 * The NATS JetStream key-value storage: on the application's own {@link Connection} when it has
 * one, otherwise on a connection built from {@code idempotency.storage.nats.*} that reconnects on
 * its own and is closed on shutdown. The bucket is created when absent, and checked when present.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "nats")
@ConditionalOnClass(Connection.class)
class NatsStorageConfiguration {

    @Bean
    @ConditionalOnMissingBean(IdempotencyStorage.class)
    NatsIdempotencyStorage idempotencyStorage(Connection connection, IdempotencyProperties properties) {
        IdempotencyProperties.Nats nats = properties.getStorage().getNats();
        NatsBucketSettings settings = new NatsBucketSettings(nats.getBucket(), nats.getReplicas(),
                nats.getStorage() == IdempotencyProperties.NatsStorageKind.FILE ? StorageType.File : StorageType.Memory,
                nats.getMaxAge(), nats.isAdoptExistingBucket(), nats.isAllowUnsafeReplicas());
        Duration longest = properties.getTtl().compareTo(properties.getLease()) >= 0 ? properties.getTtl()
                : properties.getLease();
        new NatsBucketProvisioner(connection).ensure(settings, longest);
        return new NatsIdempotencyStorage(connection, nats.getBucket(), properties.getStorage().getTimeout());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(Connection.class)
    Connection idempotencyNatsConnection(IdempotencyProperties properties, ObjectProvider<SslBundles> sslBundles) {
        IdempotencyProperties.Nats nats = properties.getStorage().getNats();
        Options.Builder options = new Options.Builder()
                .servers(nats.getServers().toArray(String[]::new))
                .connectionName(nats.getConnectionName())
                .connectionTimeout(properties.getStorage().getTimeout())
                // jnats pings every 2 minutes by default; a connection that survived a server restart
                // half-open would fail every claim that long before reconnecting.
                .pingInterval(properties.getStorage().getTimeout())
                .maxReconnects(-1);
        if (nats.getUsername() != null) {
            options.userInfo(nats.getUsername(), nats.getPassword());
        }
        if (nats.getToken() != null) {
            options.token(nats.getToken().toCharArray());
        }
        if (nats.getCredentialsFile() != null) {
            options.authHandler(Nats.credentials(nats.getCredentialsFile()));
        }
        if (nats.getSslBundle() != null) {
            options.sslContext(sslBundles.getObject().getBundle(nats.getSslBundle()).createSslContext());
        }
        try {
            return Nats.connect(options.build());
        }
        catch (IOException ex) {
            throw new IdempotencyStorageException("Could not connect to NATS at " + nats.getServers()
                    + "; check idempotency.storage.nats.servers", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IdempotencyStorageException("Interrupted while connecting to NATS", ex);
        }
    }
}
