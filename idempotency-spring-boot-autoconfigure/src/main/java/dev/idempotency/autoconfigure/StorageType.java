package dev.idempotency.autoconfigure;

/** The storages {@code idempotency.storage.type} selects. */
public enum StorageType {

    /** In this JVM's heap: the default, for one instance. */
    MEMORY("memory", null),

    /** Redis through Spring Data Redis; shared by every instance. */
    REDIS("redis", "org.springframework.boot:spring-boot-starter-data-redis"),

    /** A NATS JetStream key-value bucket; shared by every instance. */
    NATS("nats", "io.nats:jnats"),

    /** A table in the application's database (PostgreSQL, MariaDB, H2); shared by every instance. */
    JDBC("jdbc", "org.springframework.boot:spring-boot-starter-jdbc");

    private final String value;
    private final String dependency;

    StorageType(String value, String dependency) {
        this.value = value;
        this.dependency = dependency;
    }

    /** {@return the property value that selects this storage, for example {@code redis}} */
    public String value() {
        return value;
    }

    /** {@return the Maven coordinates of the library this storage needs, or {@code null} when it needs none} */
    public String dependency() {
        return dependency;
    }
}
