package dev.idempotency.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collection;
import java.util.regex.Pattern;

import org.springframework.util.unit.DataSize;

/**
 * The rules {@code idempotency.*} values keep, applied by the setters of
 * {@link IdempotencyProperties} as Boot binds them: a value that breaks one fails start-up with
 * Boot's failure analysis, which names the property as written, the value, where it came from
 * and the rule (the message of the {@link IllegalArgumentException} thrown here). Setters rather
 * than Bean Validation, so that the rules hold without a validation provider on the class path.
 */
final class PropertyRules {

    /** What every storage accepts in a key; a prefix becomes part of every storage key. */
    private static final Pattern STORAGE_SAFE = Pattern.compile("[-_=.a-zA-Z0-9]*");
    /** An HTTP field name or method: an RFC 9110 token. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** NATS: a bucket name is letters, digits, dash and underscore. */
    private static final Pattern BUCKET = Pattern.compile("[-_a-zA-Z0-9]+");
    /** The largest array a JVM allocates, and so the largest body kept in one. */
    private static final long LARGEST_ARRAY = Integer.MAX_VALUE - 8;

    private PropertyRules() {
    }

    static Duration positive(Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("must be longer than zero");
        }
        return value;
    }

    static Duration notNegative(Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException("must not be negative");
        }
        return value;
    }

    static int notNegative(int value) {
        if (value < 0) {
            throw new IllegalArgumentException("must be 0 or more");
        }
        return value;
    }

    static int atLeastOne(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("must be at least 1");
        }
        return value;
    }

    static int between(int value, int min, int max, String why) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("must be " + min + " to " + max + ", " + why);
        }
        return value;
    }

    static String storageSafe(String value) {
        if (value == null || !STORAGE_SAFE.matcher(value).matches()) {
            throw new IllegalArgumentException("may contain only letters, digits and - _ = . so that every storage "
                    + "accepts it");
        }
        return value;
    }

    static String headerName(String value) {
        if (value == null || !TOKEN.matcher(value).matches()) {
            throw new IllegalArgumentException("must be an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
        }
        return value;
    }

    static <C extends Collection<String>> C httpMethods(C values) {
        for (String value : values) {
            if (value == null || !TOKEN.matcher(value).matches()) {
                throw new IllegalArgumentException("must be HTTP methods such as POST, was '" + value + "'");
            }
        }
        return values;
    }

    static <C extends Collection<Integer>> C httpStatuses(C values) {
        for (Integer value : values) {
            if (value == null || value < 100 || value > 599) {
                throw new IllegalArgumentException("must be HTTP statuses from 100 to 599, was " + value);
            }
        }
        return values;
    }

    static <C extends Collection<?>> C notEmpty(C values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("must name at least one");
        }
        return values;
    }

    static String bucketName(String value) {
        if (value == null || !BUCKET.matcher(value).matches()) {
            throw new IllegalArgumentException("must be a NATS bucket name: letters, digits, - and _ only");
        }
        return value;
    }

    static DataSize arraySize(DataSize value) {
        if (value == null || value.toBytes() < 1 || value.toBytes() > LARGEST_ARRAY) {
            throw new IllegalArgumentException("must be from 1B to " + LARGEST_ARRAY + "B, what one array holds");
        }
        return value;
    }

    /** A prefix that, followed by a problem's name, makes a URI: problem types are URIs (RFC 9457). */
    static String uriPrefix(String value) {
        try {
            if (value == null || value.isBlank()) {
                throw new URISyntaxException(String.valueOf(value), "empty");
            }
            new URI(value + "key-reused");
            return value;
        }
        catch (URISyntaxException ex) {
            throw new IllegalArgumentException("must start a URI, as problem types are URIs: " + ex.getMessage());
        }
    }
}
