package dev.idempotency.storage.jdbc;

/** The JDBC storage's DataSource connects to a database it has no dialect for. */
public class UnsupportedDatabaseException extends IllegalStateException {

    /** The database product, as the driver names it. */
    private final String product;

    /**
     * A database with no dialect; the message lists the supported ones.
     *
     * @param product the database product, as the driver names it
     * @param version the product's version, as the driver gives it
     */
    public UnsupportedDatabaseException(String product, String version) {
        super("The JDBC idempotency storage does not support " + product + " " + version + "; it supports "
                + JdbcDialect.SUPPORTED + (product.startsWith("MySQL") ? ". MySQL has no INSERT ... RETURNING, "
                        + "which the claim needs to answer in one statement; with MariaDB, use its own driver "
                        + "(org.mariadb.jdbc:mariadb-java-client)" : ""));
        this.product = product;
    }

    /** {@return the database product, as the driver names it} */
    public String getProduct() {
        return product;
    }
}
