package dev.idempotency.autoconfigure;

/** The selected storage's client library is not on the classpath. */
public class StorageLibraryMissingException extends RuntimeException {

    /** The storage {@code idempotency.storage.type} selected. */
    private final StorageType type;

    /**
     * The message names the property's value and the library to add.
     *
     * @param type the storage {@code idempotency.storage.type} selected
     */
    public StorageLibraryMissingException(StorageType type) {
        super("idempotency.storage.type=" + type.value() + " needs " + type.dependency() + " on the classpath");
        this.type = type;
    }

    /** {@return the storage {@code idempotency.storage.type} selected} */
    public StorageType getType() {
        return type;
    }
}
