package dev.idempotency.autoconfigure;

import java.io.IOException;
import java.util.List;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import dev.idempotency.storage.IdempotencyStorageException;

/**
 * The NATS connection the storage opens for itself when the application has none: opened on the
 * first call that needs it (so a NATS that is down at start-up does not stop the application),
 * then left to jnats, which reconnects on its own; closed on shutdown, after the storage.
 */
final class NatsConnectionOwner implements AutoCloseable {

    private final Options options;
    private final List<String> servers;
    private Connection connection;
    private boolean closed;

    NatsConnectionOwner(Options options, List<String> servers) {
        this.options = options;
        this.servers = List.copyOf(servers);
    }

    /**
     * The connection, opened now when it is not open yet.
     *
     * @throws IdempotencyStorageException when no server answers within the connection timeout
     */
    synchronized Connection connection() {
        if (closed) {
            throw new IdempotencyStorageException("The idempotency storage's NATS connection is closed");
        }
        if (connection == null) {
            try {
                connection = Nats.connect(options);
            }
            catch (IOException ex) {
                throw new IdempotencyStorageException("Could not connect to NATS at " + servers
                        + "; check idempotency.storage.nats.servers: " + ex.getMessage(), ex);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IdempotencyStorageException("Interrupted while connecting to NATS", ex);
            }
        }
        return connection;
    }

    @Override
    public synchronized void close() throws InterruptedException {
        closed = true;
        if (connection != null) {
            connection.close();
        }
    }
}
