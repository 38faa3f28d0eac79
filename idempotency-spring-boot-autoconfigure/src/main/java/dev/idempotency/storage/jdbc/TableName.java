package dev.idempotency.storage.jdbc;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of the storage's table: an unquoted SQL identifier, since it is written into every
 * statement. At most 48 characters, so that the index named after it ({@code <name>_expires_at})
 * fits every supported database's limit. To keep the table in another schema, make that schema the
 * connection's default (PostgreSQL's {@code currentSchema}, the pool's {@code schema}).
 *
 * @param value the identifier, for example {@code idempotency_entry}
 */
public record TableName(String value) {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,47}");

    /** The name the shipped schema scripts use. */
    public static final TableName DEFAULT = new TableName("idempotency_entry");

    /**
     * Checks the name.
     *
     * @param value the identifier
     * @throws IllegalArgumentException when {@code value} is not such an identifier
     */
    public TableName {
        Objects.requireNonNull(value, "value");
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException("The idempotency table name '" + value + "' must be an unquoted SQL "
                    + "identifier: a letter or _, then letters, digits or _, at most 48 characters");
        }
    }

    /**
     * A shipped schema script, with the default name replaced by this one (its index's name included).
     *
     * @param script the text of a shipped schema script
     * @return the script for this table
     */
    public String applyTo(String script) {
        return script.replace(DEFAULT.value, value);
    }

    @Override
    public String toString() {
        return value;
    }
}
