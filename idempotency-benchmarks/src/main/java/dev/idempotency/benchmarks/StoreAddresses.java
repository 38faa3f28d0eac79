package dev.idempotency.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where the Redis, NATS and PostgreSQL servers under test listen. Read from system properties so that the
 * report can hand them to JMH's forked JVMs; loopback by default.
 */
final class StoreAddresses {

    static final String REDIS_PROPERTY = "idempotency.bench.redis";
    static final String NATS_PROPERTY = "idempotency.bench.nats";
    static final String POSTGRES_PROPERTY = "idempotency.bench.postgres";
    /** The PostgreSQL user, with no password (trust authentication on loopback). */
    static final String POSTGRES_USER = "postgres";

    private StoreAddresses() {
    }

    static URI redis() {
        return URI.create(System.getProperty(REDIS_PROPERTY, "redis://127.0.0.1:6379"));
    }

    static URI nats() {
        return URI.create(System.getProperty(NATS_PROPERTY, "nats://127.0.0.1:4222"));
    }

    /** A PostgreSQL database, as {@code postgresql://host:port/database}. */
    static URI postgres() {
        return URI.create(System.getProperty(POSTGRES_PROPERTY, "postgresql://127.0.0.1:5432/test"));
    }

    /** Whether something accepts connections at the address. */
    static boolean answers(URI address) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.getHost(), address.getPort()), 2000);
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    /**
     * A name part unique to one run, of {@code [a-z0-9]} only: every storage accepts it in a key,
     * a key prefix or a bucket name.
     */
    static String runId() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }
}
