package dev.idempotency.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

import dev.idempotency.storage.IdempotencyStorage;
import dev.idempotency.storage.IdempotencyStorageException;
import dev.idempotency.storage.nats.NatsBucketProvisioner;
import dev.idempotency.storage.nats.NatsBucketSettings;
import dev.idempotency.storage.nats.NatsIdempotencyStorage;

/**
 * The NATS JetStream key-value storage: on the application's own {@link Connection} when it has
 * one, otherwise on a connection built from {@code idempotency.storage.nats.*} that reconnects on
 * its own and is closed on shutdown. The bucket is created when absent, and checked when present.
 *
 * <p>When NATS does not answer at start-up, the application starts all the same, as it does with
 * a Redis that is down: the storage is set up on first use once NATS answers (see
 * {@link DeferredStorage}), and until then protected requests get 503 and the health check is
 * DOWN. A bucket that answers with settings that break the guarantees fails start-up.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "idempotency.storage.type", havingValue = "nats")
@ConditionalOnClass(Connection.class)
class NatsStorageConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(NatsStorageConfiguration.class);

    /** How often a storage not set up yet tries again, at most. */
    private static final Duration SET_UP_RETRY = Duration.ofSeconds(1);

    @Bean
    @ConditionalOnMissingBean(IdempotencyStorage.class)
    IdempotencyStorage idempotencyStorage(ObjectProvider<Connection> applicationConnection,
            ObjectProvider<NatsConnectionOwner> ownConnection, IdempotencyProperties properties) {
        NatsConnectionOwner own = ownConnection.getIfAvailable();
        Supplier<Connection> connection = own != null ? own::connection : applicationConnection::getObject;
        try {
            return setUp(connection.get(), properties);
        }
        catch (IdempotencyStorageException ex) {
            logger.warn("NATS does not answer at start-up ({}); the application starts, and protected requests get 503 "
                    + "until it does", ex.getMessage());
            return new DeferredStorage("nats", () -> setUp(connection.get(), properties), SET_UP_RETRY, ex);
        }
    }

    private static NatsIdempotencyStorage setUp(Connection connection, IdempotencyProperties properties) {
        IdempotencyProperties.Nats nats = properties.getStorage().getNats();
        NatsBucketSettings settings = new NatsBucketSettings(nats.getBucket(), nats.getReplicas(),
                nats.getStorage() == IdempotencyProperties.NatsStorageKind.FILE ? StorageType.File : StorageType.Memory,
                nats.getMaxAge(), nats.isAdoptExistingBucket(), nats.isAllowUnsafeReplicas());
        Duration longest = properties.getTtl().compareTo(properties.getLease()) >= 0 ? properties.getTtl()
                : properties.getLease();
        new NatsBucketProvisioner(connection).ensure(settings, longest);
        return new NatsIdempotencyStorage(connection, nats.getBucket(), properties.getStorage().getTimeout());
    }

    /** The connection of the storage's own, when the application has no {@link Connection} bean. */
    @Bean
    @ConditionalOnMissingBean(Connection.class)
    NatsConnectionOwner idempotencyNatsConnection(IdempotencyProperties properties,
            ObjectProvider<SslBundles> sslBundles) {
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
        return new NatsConnectionOwner(options.build(), nats.getServers());
    }

    /**
     * The storage's own connection as a bean, for code that looks a connection up: created when
     * first asked for, which connects then; closed by its owner.
     */
    @Bean(destroyMethod = "")
    @Lazy
    @ConditionalOnBean(NatsConnectionOwner.class)
    Connection idempotencyNatsConnectionBean(NatsConnectionOwner owner) {
        return owner.connection();
    }
}
