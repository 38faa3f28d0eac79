package dev.idempotency.web;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.springframework.http.HttpHeaders;

/**
 * The allowlist of response headers a replay reproduces. Headers that belong to one exchange
 * only ({@code Set-Cookie}, {@code Date}, the hop-by-hop headers, {@code Content-Length}) are
 * never stored: listing one is a configuration error.
 */
public final class ReplayedHeaders {

    /** The default allowlist. */
    public static final List<String> DEFAULT = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.CONTENT_LANGUAGE,
            HttpHeaders.CONTENT_DISPOSITION, HttpHeaders.CONTENT_ENCODING, HttpHeaders.LOCATION, HttpHeaders.ETAG,
            HttpHeaders.LAST_MODIFIED, HttpHeaders.LINK, HttpHeaders.VARY);

    private static final Set<String> FORBIDDEN = Set.of("set-cookie", "set-cookie2", "date", "connection",
            "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
            "upgrade", "content-length", StoredResponse.REPLAYED_HEADER.toLowerCase(Locale.ROOT));

    private final List<String> names;

    public ReplayedHeaders(Collection<String> names) {
        Set<String> forbidden = new TreeSet<>();
        for (String name : names) {
            if (FORBIDDEN.contains(name.toLowerCase(Locale.ROOT))) {
                forbidden.add(name);
            }
        }
        if (!forbidden.isEmpty()) {
            throw new IllegalArgumentException("These headers can never be replayed, remove them from "
                    + "idempotency.web.replay-headers: " + forbidden);
        }
        this.names = List.copyOf(names);
    }

    /**
     * The allowlisted headers a response carries, in allowlist order.
     *
     * @param valuesOf the values the response holds for a header name, empty when it has none
     */
    public List<StoredResponse.Header> capture(Function<String, ? extends Collection<String>> valuesOf) {
        List<StoredResponse.Header> captured = new ArrayList<>();
        for (String name : names) {
            for (String value : valuesOf.apply(name)) {
                captured.add(new StoredResponse.Header(name, value));
            }
        }
        return captured;
    }
}
