package dev.idempotency.autoconfigure;

/** The selected storage's client library is not on the classpath. */
public class StorageLibraryMissingException extends RuntimeException {

    private final StorageType type;

    public StorageLibraryMissingException(StorageType type) {
        super("idempotency.storage.type=" + type.value() + " needs " + type.dependency() + " on the classpath");
        this.type = type;
    }

    public StorageType getType() {
        return type;
    }
}
