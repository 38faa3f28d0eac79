package dev.idempotency.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.fail;

/**
 * Hostile HTTP input, generated from a seed and sent as exact bytes: idempotency keys of random
 * bytes (control characters, invalid UTF-8, quotes, commas, structured-field parameters, huge,
 * empty, up to 50 header lines), bodies (binary, invalid UTF-8, up to 3 MB, empty, JSON-ish,
 * multipart, well-formed and not), protected and unprotected routes (among them a server-sent
 * event stream, a download, uploads, a forward, an error written by an error dispatch,
 * redirects, a response that cannot be written), and malformed content types. For every request
 * it pins that:
 * <ul>
 * <li>the answer is one complete HTTP/1.1 response;</li>
 * <li>it is never 5xx, except the 501 a streaming route answers to a key by design, the 500 of the
 * route whose response cannot be written, and the 5xx Spring MVC or Tomcat give some malformed
 * requests on their own (the same bytes without the key header get it too);</li>
 * <li>a handler runs at most once per request, and never for a protected route whose key is
 * invalid or, when required, missing;</li>
 * <li>never an execution that is not stored: when a protected route's handler ran for a key and
 * answered a status the policy stores (2xx, 3xx, a 4xx other than 408, 409, 425 and 429), an
 * immediate retry of the same bytes is replayed ({@code Idempotent-Replayed: true}, same status and
 * body) without the handler running again; when its response could not be written, the retry
 * gets 409 {@code response-not-replayable} without it running again.</li>
 * </ul>
 * The seed is printed; {@code -Dfuzz.seed=N} replays a run and {@code -Dfuzz.cases=N} changes its
 * size. A failing request's exact bytes are written under {@code target/fuzz-failures/}.
 */
// The same context as IdempotencyWebTest, so the two share one cached application.
@SpringBootTest(classes = WebTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "idempotency.web.paths=/payments,/stream", "idempotency.web.key-required=false",
                "idempotency.web.retry-after=2s", "idempotency.web.documentation-url=" + WebTestSupport.DOCUMENTATION })
public class HostileInputFuzzTest extends WebTestSupport {

    private static final long SEED = Long.getLong("fuzz.seed", 0x1DE_3907_E5C4L);
    private static final int CASES = Integer.getInteger("fuzz.cases", 300);
    private static final int MAX_KEY_LENGTH = 255;
    /** idempotency.web.max-response-size, the default: a longer response streams on and is not kept. */
    private static final int MAX_RESPONSE_BYTES = 1024 * 1024;
    private static final int MB = 1024 * 1024;
    private static final Path FAILURES = Path.of("target", "fuzz-failures");

    private static final AtomicInteger requests = new AtomicInteger();
    private static final AtomicInteger replaysChecked = new AtomicInteger();
    private static final AtomicInteger frameworkServerErrors = new AtomicInteger();
    private static final Map<Integer, Integer> statuses = new ConcurrentSkipListMap<>();

    /** How a route treats an idempotency key (see WebTestApplication and the paths property above). */
    public enum Protection {
        /** {@code @Idempotent}: a key is required. */
        REQUIRED,
        /** Protected with a key, unprotected without one. */
        OPTIONAL,
        /** Not opted in, or no handler at all. */
        NONE,
        /** Opted in by path pattern but streams: a key is refused with 501 by design. */
        STREAMING,
        /** An odd spelling of a path; the container or MVC decides where it goes. */
        UNKNOWN
    }

    public record Route(String path, Protection protection) {
    }

    private static final List<Route> SERVLET_ROUTES = List.of(
            new Route("/orders", Protection.REQUIRED), new Route("/created", Protection.REQUIRED),
            new Route("/status/200", Protection.REQUIRED), new Route("/status/201", Protection.REQUIRED),
            new Route("/status/202", Protection.REQUIRED), new Route("/status/204", Protection.REQUIRED),
            new Route("/status/302", Protection.REQUIRED), new Route("/status/400", Protection.REQUIRED),
            new Route("/status/404", Protection.REQUIRED), new Route("/status/409", Protection.REQUIRED),
            new Route("/status/422", Protection.REQUIRED), new Route("/status/429", Protection.REQUIRED),
            new Route("/whoami", Protection.REQUIRED), new Route("/callable", Protection.REQUIRED),
            new Route("/deferred", Protection.REQUIRED), new Route("/async", Protection.REQUIRED),
            new Route("/web-async-task", Protection.REQUIRED), new Route("/big", Protection.REQUIRED),
            new Route("/cors", Protection.REQUIRED), new Route("/upload-protected", Protection.REQUIRED),
            new Route("/read-twice", Protection.REQUIRED), new Route("/forwarding", Protection.REQUIRED),
            new Route("/forward-target", Protection.REQUIRED), new Route("/missing", Protection.REQUIRED),
            new Route("/see-other", Protection.REQUIRED), new Route("/redirect", Protection.REQUIRED),
            new Route("/unwritable", Protection.REQUIRED), new Route("/form", Protection.REQUIRED),
            new Route("/big-stream", Protection.REQUIRED),
            new Route("/optional", Protection.OPTIONAL), new Route("/payments", Protection.OPTIONAL),
            new Route("/plain", Protection.NONE), new Route("/echo-length", Protection.NONE),
            new Route("/no-such-route", Protection.NONE), new Route("/events", Protection.NONE),
            new Route("/download", Protection.NONE), new Route("/upload", Protection.NONE),
            new Route("/stream", Protection.STREAMING));

    /** The route whose response cannot be written: 500, then 409 response-not-replayable, by design. */
    private static final String UNWRITABLE = "/unwritable";

    /** The statuses the default policy never stores: answers that ask for a retry. */
    private static final Set<Integer> NEVER_STORED = Set.of(408, 409, 425, 429);

    /** RFC 9651 parameters after an Item's bare item: {@code *( ";" *SP key [ "=" bare-item ] )}. */
    private static final Pattern SF_PARAMETERS;

    static {
        String bareItem = String.join("|", "-?[0-9]{1,15}", "-?[0-9]{1,12}\\.[0-9]{1,3}",
                "\"(?:[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\"\\\\])*\"", "[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*",
                ":[A-Za-z0-9+/=]*:", "\\?[01]", "@-?[0-9]{1,15}", "%\"(?:[\\x20\\x21\\x23\\x24\\x26-\\x7E]|%[0-9a-f]{2})*\"");
        SF_PARAMETERS = Pattern.compile("(?:; *[a-z*][a-z0-9_.*-]*(?:=(?:" + bareItem + "))?)*");
    }

    private static final List<String> ODD_PATHS = List.of("/orders/", "//orders", "/orders;jsessionid=1", "/ORDERS",
            "/orders%00", "/orders/../orders", "/%2e%2e/orders", "/payments%2F", "/orders?\u0001", "/orders#frag",
            "*", "/" + "o".repeat(9000));

    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json; charset=UTF-8",
            "text/plain", "application/octet-stream", "application/problem+json", "*/*",
            "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=bogus",
            "multipart/form-data", "multipart/form-data; boundary=xyz", "application/json; charset=nope",
            "application/json;;;", "/", "json", "application/", "text/plain; charset=\"utf-8",
            "application/json; charset=utf-8; charset=iso-8859-1", "a".repeat(5000) + "/b", "application/json\u0000",
            "text/plain; charset=\u00ff", "application/json; q=\"");

    @BeforeAll
    static void printSeed() {
        System.out.println("[fuzz] seed=" + SEED + " cases=" + CASES
                + " (replay with -Dfuzz.seed=" + SEED + ", size with -Dfuzz.cases=N)");
    }

    @AfterAll
    static void printCount() {
        System.out.println("[fuzz] seed=" + SEED + ": " + requests.get() + " requests sent for " + CASES + " cases, "
                + replaysChecked.get() + " stored answers retried and replayed (or refused as not replayable), " + frameworkServerErrors.get()
                + " 5xx answers that the same request with another key, or none, also gets; first answers by status: "
                + statuses);
    }

    /** The routes cases are sent to, each with how it treats a key; the application must serve them. */
    protected List<Route> routes() {
        return SERVLET_ROUTES;
    }

    /** How many times any handler of the application ran. */
    protected int totalExecutions() {
        return WebTestApplication.EXECUTIONS.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    static IntStream cases() {
        return IntStream.range(0, CASES);
    }

    @ParameterizedTest(name = "case {0}")
    @MethodSource("cases")
    void aHostileRequestGetsACompleteNon5xxAnswerAndNeverAnExecutionThatIsNotStored(int index) throws Exception {
        FuzzCase input = FuzzCase.generate(index, new Random(SEED ^ (index * 0x9E3779B97F4A7C15L)), routes());

        int before = totalExecutions();
        RawHttpExchange.Response response = send(input, input.request);
        int ran = totalExecutions() - before;
        statuses.merge(response.status(), 1, Integer::sum);

        check(input, response, ran <= 1, "the handler ran " + ran + " times for one request");
        if (response.status() >= 500) {
            boolean byDesign = input.protection == Protection.STREAMING && input.post && input.keyLines > 0
                    && response.status() == 501 && new String(response.body(), StandardCharsets.UTF_8)
                            .contains("urn:problem-type:idempotency:streaming-not-supported")
                    || input.path.startsWith(UNWRITABLE) && ran == 1 && response.status() == 500;
            if (!byDesign) {
                // Spring MVC and Tomcat answer some malformed requests with 5xx on their own (a multipart
                // content type without a boundary, a wildcard content type on a JSON body). Such an answer
                // is not this library's when the same bytes with another key get it too: a fresh valid key
                // when this one was valid (so that a protected handler runs again), else no key.
                RawHttpExchange.Response control = send(input, input.control());
                boolean framework = control.status() == response.status()
                        && !new String(response.body(), StandardCharsets.ISO_8859_1).contains("urn:problem-type:idempotency:");
                check(input, response, framework, "a " + response.status() + " answer; the same request with another "
                        + "key, or none, answers " + control.status());
                frameworkServerErrors.incrementAndGet();
                System.out.println("[fuzz] case " + index + ": " + response.status() + " from " + input.path
                        + " also with another key or none, Content-Type <" + input.contentType + ">");
            }
        }
        boolean protectedRoute = input.post
                && (input.protection == Protection.REQUIRED || input.protection == Protection.OPTIONAL);
        if (protectedRoute && input.keyLines > 0 && input.keyValidity == KeyValidity.INVALID) {
            check(input, response, ran == 0 && !is2xx(response), "an invalid key reached the handler (ran " + ran + ")");
        }
        if (protectedRoute && input.keyLines == 0 && input.protection == Protection.REQUIRED) {
            check(input, response, ran == 0 && !is2xx(response), "a required key was missing, yet it ran");
        }
        if (input.protection == Protection.STREAMING && input.post && input.keyLines > 0) {
            check(input, response, ran == 0, "a streaming handler ran with a key");
        }
        if (protectedRoute && input.keyLines > 0 && ran == 1 && (stored(response) || input.path.startsWith(UNWRITABLE))) {
            // Stored and replayed; or, when its response passed the limit or could not be written, recorded as processed.
            int beforeRetry = totalExecutions();
            RawHttpExchange.Response retry = send(input, input.request);
            int ranAgain = totalExecutions() - beforeRetry;
            check(input, retry, ranAgain == 0, "the retry of a stored " + response.status() + " ran the handler again");
            if (stored(response) && response.body().length <= MAX_RESPONSE_BYTES) {
                checkReplay(input, response, retry);
            }
            else {
                check(input, retry, retry.status() == 409 && new String(retry.body(), StandardCharsets.UTF_8)
                        .contains("urn:problem-type:idempotency:response-not-replayable"),
                        "the retry of a response that was too large or could not be written was not 409 "
                                + "response-not-replayable");
            }
            replaysChecked.incrementAndGet();
        }
    }

    private static void checkReplay(FuzzCase input, RawHttpExchange.Response first, RawHttpExchange.Response retry) {
        check(input, retry, "true".equals(retry.header("Idempotent-Replayed")), "the retry of a stored "
                + first.status() + " was not a replay");
        check(input, retry, retry.status() == first.status(), "the replay's status is not the first answer's "
                + first.status());
        check(input, retry, Arrays.equals(retry.body(), first.body()),
                "the replay's body is not the first answer's <" + RawHttpExchange.escape(first.body(), 500) + ">");
    }

    /** Whether the default policy stores a response of this status. */
    private static boolean stored(RawHttpExchange.Response response) {
        return response.status() >= 200 && response.status() < 500 && !NEVER_STORED.contains(response.status());
    }

    private RawHttpExchange.Response send(FuzzCase input, byte[] request) throws IOException {
        requests.incrementAndGet();
        try {
            return RawHttpExchange.send(port, request);
        }
        catch (RawHttpExchange.IncompleteResponseException ex) {
            throw new AssertionError(report(input, request, ex.raw, "no complete HTTP response: " + ex.getMessage()), ex);
        }
        catch (IOException ex) {
            throw new AssertionError(report(input, request, new byte[0], "no HTTP response: " + ex), ex);
        }
    }

    private static void check(FuzzCase input, RawHttpExchange.Response response, boolean holds, String problem) {
        if (!holds) {
            fail(report(input, input.request, response.raw(), problem));
        }
    }

    private static String report(FuzzCase input, byte[] request, byte[] response, String problem) {
        Path saved = FAILURES.resolve("seed-" + SEED + "-case-" + input.index + ".bin");
        try {
            Files.createDirectories(FAILURES);
            Files.write(saved, request);
        }
        catch (IOException ex) {
            saved = null;
        }
        return "Fuzz case " + input.index + " of seed " + SEED + " (-Dfuzz.seed=" + SEED + "): " + problem
                + "\nroute " + input.path + " (" + input.protection + "), " + input.keyLines + " key line(s), key "
                + input.keyValidity + "\nrequest (exact bytes in " + (saved == null ? "?" : saved.toAbsolutePath())
                + "):\n" + RawHttpExchange.escape(request, 3000) + "\nresponse:\n" + RawHttpExchange.escape(response, 3000);
    }

    private static boolean is2xx(RawHttpExchange.Response response) {
        return response.status() >= 200 && response.status() < 300;
    }

    /** What the specification says of the key header lines sent, as the container will read them. */
    enum KeyValidity {
        VALID, INVALID,
        /** A CR or LF in a value reshapes the header section; no prediction. */
        UNPREDICTABLE
    }

    /** One generated request and what is known about it. */
    static final class FuzzCase {

        final int index;
        final String path;
        final Protection protection;
        final boolean post;
        final int keyLines;
        final KeyValidity keyValidity;
        final String contentType;
        final byte[] request;
        private final byte[] control;

        private FuzzCase(int index, String path, Protection protection, boolean post, int keyLines,
                KeyValidity keyValidity, String contentType, byte[] request, byte[] control) {
            this.index = index;
            this.path = path;
            this.protection = protection;
            this.post = post;
            this.keyLines = keyLines;
            this.keyValidity = keyValidity;
            this.contentType = contentType;
            this.request = request;
            this.control = control;
        }

        /** The same request with another valid key when its key was valid, else without a key. */
        byte[] control() {
            return control;
        }

        static FuzzCase generate(int index, Random random, List<Route> routes) {
            String path;
            Protection protection;
            if (random.nextInt(100) < 6) {
                path = pick(random, ODD_PATHS);
                protection = Protection.UNKNOWN;
            }
            else {
                Route route = pick(random, routes);
                path = route.path() + (random.nextInt(100) < 15 ? "?q=" + token(random, 1 + random.nextInt(20)) : "");
                protection = route.protection();
            }
            String method = random.nextInt(100) < 92 ? "POST" : pick(random, List.of("PATCH", "PUT", "GET", "DELETE"));

            List<byte[]> keys = new ArrayList<>();
            int roll = random.nextInt(100);
            int lines = roll < 10 ? 0 : roll < 85 ? 1 : 2 + random.nextInt(49);
            if (protection == Protection.STREAMING && lines == 0) {
                // Left out: a keyless POST to a streaming route opted in by a key-optional path pattern
                // is refused with 501 too, although the problem tells the client to send it without a key.
                lines = 1;
            }
            for (int i = 0; i < lines; i++) {
                keys.add(i > 0 && random.nextInt(100) < 30 ? keys.get(0) : key(random));
            }
            String name = random.nextInt(100) < 85 ? "Idempotency-Key"
                    : pick(random, List.of("idempotency-key", "IDEMPOTENCY-KEY", "Idempotency-key"));

            byte[] body = body(random);
            int typeRoll = random.nextInt(100);
            String contentType = typeRoll < 10 ? null : typeRoll < 50 ? "application/json" : pick(random, CONTENT_TYPES);
            if (random.nextInt(100) < 10) {
                String boundary = "fuzz-" + Long.toHexString(random.nextLong());
                contentType = "multipart/form-data; boundary=" + boundary;
                body = multipart(random, boundary);
            }
            String user = random.nextInt(100) < 15 ? pick(random, List.of("alice", "bob", "\"eve\"", "x".repeat(300))) : null;
            boolean chunked = random.nextInt(100) < 10;
            int shortBy = !chunked && body.length > 4 && random.nextInt(100) < 2 ? 1 + random.nextInt(4) : 0;
            boolean expectContinue = random.nextInt(100) < 3;

            byte[] request = request(method, path, name, keys, body, contentType, user, chunked, shortBy, expectContinue, random.nextLong());
            KeyValidity validity = validity(keys);
            List<byte[]> controlKeys = validity == KeyValidity.VALID
                    ? List.of(uuid(random).getBytes(StandardCharsets.ISO_8859_1)) : List.of();
            byte[] control = request(method, path, name, controlKeys, body, contentType, user, chunked, shortBy, expectContinue, 0);
            return new FuzzCase(index, path, protection, method.equals("POST"), keys.size(), validity, contentType,
                    request, control);
        }

        private static byte[] request(String method, String path, String keyName, List<byte[]> keys, byte[] body,
                String contentType, String user, boolean chunked, int shortBy, boolean expectContinue, long chunkSeed) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 1024);
            latin1(out, method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            if (contentType != null) {
                latin1(out, "Content-Type: " + contentType + "\r\n");
            }
            // Framing headers come before the key lines, so a CR or LF in a key cannot hide them.
            latin1(out, chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + (body.length - shortBy) + "\r\n");
            if (expectContinue) {
                latin1(out, "Expect: 100-continue\r\n");
            }
            if (user != null) {
                latin1(out, "X-User: " + user + "\r\n");
            }
            for (byte[] key : keys) {
                latin1(out, keyName + ": ");
                out.writeBytes(key);
                latin1(out, "\r\n");
            }
            latin1(out, "\r\n");
            if (!chunked) {
                out.writeBytes(body);
                return out.toByteArray();
            }
            Random chunks = new Random(chunkSeed);
            for (int at = 0; at < body.length;) {
                int size = Math.min(body.length - at, 1 + chunks.nextInt(chunks.nextBoolean() ? 16 : 256 * 1024));
                latin1(out, Integer.toHexString(size) + "\r\n");
                out.write(body, at, size);
                latin1(out, "\r\n");
                at += size;
            }
            latin1(out, "0\r\n\r\n");
            return out.toByteArray();
        }

        private static void latin1(ByteArrayOutputStream out, String text) {
            out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        /**
         * The draft's rules: one line; trimmed of spaces and tabs; an sf-string (its parameters, RFC
         * 9651, ignored) or a bare visible-ASCII token; 1 to 255 characters.
         */
        static KeyValidity validity(List<byte[]> keys) {
            for (byte[] key : keys) {
                for (byte b : key) {
                    if (b == '\r' || b == '\n') {
                        return KeyValidity.UNPREDICTABLE;
                    }
                }
            }
            if (keys.size() != 1) {
                return KeyValidity.INVALID;
            }
            String value = new String(keys.get(0), StandardCharsets.ISO_8859_1).replaceAll("^[ \t]+|[ \t]+$", "");
            StringBuilder key = new StringBuilder();
            if (value.startsWith("\"")) {
                for (int i = 1; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c == '"') {
                        return SF_PARAMETERS.matcher(value.substring(i + 1)).matches() && key.length() >= 1
                                && key.length() <= MAX_KEY_LENGTH ? KeyValidity.VALID : KeyValidity.INVALID;
                    }
                    if (c == '\\') {
                        if (++i == value.length() || (value.charAt(i) != '"' && value.charAt(i) != '\\')) {
                            return KeyValidity.INVALID;
                        }
                        c = value.charAt(i);
                    }
                    else if (c < 0x20 || c > 0x7E) {
                        return KeyValidity.INVALID;
                    }
                    key.append(c);
                }
                return KeyValidity.INVALID;
            }
            for (char c : value.toCharArray()) {
                if (c <= 0x20 || c > 0x7E || c == '"' || c == ',') {
                    return KeyValidity.INVALID;
                }
            }
            return !value.isEmpty() && value.length() <= MAX_KEY_LENGTH ? KeyValidity.VALID : KeyValidity.INVALID;
        }

        private static byte[] key(Random random) {
            int kind = random.nextInt(100);
            if (kind < 30) {
                return uuid(random).getBytes(StandardCharsets.ISO_8859_1);
            }
            if (kind < 38) {
                return token(random, 1 + random.nextInt(MAX_KEY_LENGTH)).getBytes(StandardCharsets.ISO_8859_1);
            }
            if (kind < 42) {
                return token(random, MAX_KEY_LENGTH + random.nextInt(2)).getBytes(StandardCharsets.ISO_8859_1);
            }
            if (kind < 49) {
                StringBuilder quoted = new StringBuilder("\"");
                for (int i = random.nextInt(40); i >= 0; i--) {
                    int c = 0x20 + random.nextInt(0x5F);
                    quoted.append(c == '"' || c == '\\' ? "\\" + (char) c : String.valueOf((char) c));
                }
                quoted.append('"');
                if (random.nextInt(4) == 0) {
                    quoted.append(pick(random, List.of(";v=1", ";v", "; v=\"x\"", ";v=tok;w=?0", ";V=1", ";v=", ";v=1.23456")));
                }
                return quoted.toString().getBytes(StandardCharsets.ISO_8859_1);
            }
            if (kind < 53) {
                return (pick(random, List.of(" ", "\t", "  \t")) + uuid(random) + pick(random, List.of("", " ", "\t ")))
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
            if (kind < 63) {
                return bytes(random, random.nextInt(65), 0, 256);
            }
            if (kind < 69) {
                byte[] controls = bytes(random, 1 + random.nextInt(12), 0, 0x20);
                byte[] key = uuid(random).getBytes(StandardCharsets.ISO_8859_1);
                for (byte control : controls) {
                    key[random.nextInt(key.length)] = control;
                }
                return key;
            }
            if (kind < 75) {
                return concat(token(random, 3).getBytes(StandardCharsets.ISO_8859_1), pick(random, List.of(
                        new byte[] { (byte) 0xC3, 0x28 }, new byte[] { (byte) 0xFF, (byte) 0xFE },
                        new byte[] { (byte) 0xED, (byte) 0xA0, (byte) 0x80 }, new byte[] { (byte) 0xC3, (byte) 0xA9 },
                        new byte[] { (byte) 0xF0, (byte) 0x9F, (byte) 0x92, (byte) 0xA9 }, new byte[] { (byte) 0x80 },
                        new byte[] { (byte) 0xE2, (byte) 0x80, (byte) 0xA8 }, new byte[] { 0x7F })));
            }
            if (kind < 83) {
                return pick(random, List.of("\"", "\"\"", "\"abc", "abc\"", "a\"b", "a,b", ",", "\"a,b\"", "\"a\\b\"",
                        "\"a\\\"b\"", "\"a\"b\"", "\"\\\"", "\"a\" ", "\"a\",\"b\"", "a b", "\"a b\"", "'a'", "\\", "\"\\\\\"",
                        "\"k\";p=1", "\"k\";P=1", "\"k\";a=?1;b=:YWJj:", "\"k\"; a", "\"k\";", "\"k\";a=1.2345", "\"k\" ;a",
                        "\"k\";a=%\"%c3%a9\"", "\"k\";a=@12;b=\"x\\\"y\"", "\"k\";a=tok/en:*", "\"k\";a=-0.5;*b"))
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
            if (kind < 89) {
                int length = pick(random, List.of(256, 257, 1000, 4000, 9000, 30000, 70000));
                return random.nextBoolean() ? "k".repeat(length).getBytes(StandardCharsets.ISO_8859_1)
                        : bytes(random, length, 0x21, 0x7F);
            }
            if (kind < 94) {
                return pick(random, List.of("", " ", "\t", "   ", "\"\"")).getBytes(StandardCharsets.ISO_8859_1);
            }
            byte[] key = uuid(random).getBytes(StandardCharsets.ISO_8859_1);
            key[random.nextInt(key.length)] = (byte) random.nextInt(256);
            return key;
        }

        /** A multipart/form-data body of one to four parts, now and then cut short or misframed. */
        private static byte[] multipart(Random random, String boundary) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int part = random.nextInt(4); part >= 0; part--) {
                latin1(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                        + pick(random, List.of("file", "note", "a", "x y", "")) + "\"");
                if (random.nextBoolean()) {
                    latin1(out, "; filename=\"" + pick(random, List.of("report.csv", "../../etc/passwd", "\u00e9.txt", "",
                            "a\\b.bin")) + "\"");
                }
                latin1(out, "\r\n");
                if (random.nextBoolean()) {
                    latin1(out, "Content-Type: " + pick(random, List.of("text/csv", "application/octet-stream", "bogus",
                            "text/plain; charset=nope")) + "\r\n");
                }
                latin1(out, "\r\n");
                out.writeBytes(random.nextBoolean() ? bytes(random, random.nextInt(2000), 0, 256)
                        : token(random, 1 + random.nextInt(40)).getBytes(StandardCharsets.ISO_8859_1));
                latin1(out, "\r\n");
            }
            latin1(out, "--" + boundary + "--\r\n");
            byte[] body = out.toByteArray();
            return switch (random.nextInt(8)) {
                case 0 -> Arrays.copyOf(body, random.nextInt(body.length));
                case 1 -> new String(body, StandardCharsets.ISO_8859_1).replace(boundary, boundary + "x")
                        .getBytes(StandardCharsets.ISO_8859_1);
                case 2 -> new String(body, StandardCharsets.ISO_8859_1).replace("\r\n\r\n", "\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
                default -> body;
            };
        }

        private static byte[] body(Random random) {
            int kind = random.nextInt(100);
            byte[] body;
            if (kind < 10) {
                body = new byte[0];
            }
            else if (kind < 35) {
                body = order(random).getBytes(StandardCharsets.UTF_8);
            }
            else if (kind < 50) {
                body = jsonish(random, 0).getBytes(StandardCharsets.UTF_8);
                if (random.nextInt(4) == 0) {
                    body = Arrays.copyOf(body, random.nextInt(body.length + 1));
                }
            }
            else if (kind < 53) {
                int depth = 1 + random.nextInt(5000);
                body = (random.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                        : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)).getBytes(StandardCharsets.ISO_8859_1);
            }
            else if (kind < 65) {
                body = bytes(random, random.nextInt(4097), 0, 256);
            }
            else if (kind < 72) {
                body = concat(concat("{\"item\":\"".getBytes(StandardCharsets.ISO_8859_1), pick(random, List.of(
                        new byte[] { (byte) 0xC3, 0x28 }, new byte[] { (byte) 0xFF }, new byte[] { (byte) 0xED, (byte) 0xA0, (byte) 0x80 },
                        new byte[] { (byte) 0xC0, (byte) 0xAF }, new byte[] { 0 }, new byte[] { (byte) 0xF8, (byte) 0x88, (byte) 0x80 }))),
                        "\",\"quantity\":1}".getBytes(StandardCharsets.ISO_8859_1));
            }
            else if (kind < 76) {
                body = pick(random, List.of("a=1&b=%ZZ&c", "item=book&quantity=2", "%", "=&=&&", "a=" + "%E9".repeat(100),
                        "a=\u0000")).getBytes(StandardCharsets.ISO_8859_1);
            }
            else if (kind < 81) {
                int size = pick(random, List.of(MB - 1, MB, MB + 1, 2 * MB, 3 * MB));
                body = random.nextBoolean() ? bytes(random, size, 0, 256) : "x".repeat(size).getBytes(StandardCharsets.ISO_8859_1);
            }
            else {
                body = order(random).getBytes(StandardCharsets.UTF_8);
                for (int i = 1 + random.nextInt(3); i > 0; i--) {
                    int at = random.nextInt(body.length);
                    switch (random.nextInt(3)) {
                        case 0 -> body[at] = (byte) random.nextInt(256);
                        case 1 -> body = concat(Arrays.copyOf(body, at), Arrays.copyOfRange(body, at + 1, body.length));
                        default -> body = concat(concat(Arrays.copyOf(body, at), new byte[] { (byte) random.nextInt(256) }),
                                Arrays.copyOfRange(body, at, body.length));
                    }
                }
            }
            return neverTheFailingItem(body);
        }

        /** The item "fail" makes /orders answer 500 by design; it is never generated. */
        private static byte[] neverTheFailingItem(byte[] body) {
            byte[] fail = "fail".getBytes(StandardCharsets.ISO_8859_1);
            for (int at = RawHttpExchange.indexOf(body, fail, 0); at >= 0; at = RawHttpExchange.indexOf(body, fail, at)) {
                body[at + 2] = 'l';
            }
            return body;
        }

        private static String order(Random random) {
            int quantity = random.nextInt(10) == 0 ? random.nextInt(3) - 1 : 1 + random.nextInt(99);
            String item = random.nextInt(15) == 0 ? "" : token(random, 1 + random.nextInt(12)).replaceAll("[^A-Za-z0-9]", "z");
            return "{\"item\":\"" + item + "\",\"quantity\":" + quantity + "}";
        }

        private static String jsonish(Random random, int depth) {
            int kind = depth > 4 ? 3 + random.nextInt(4) : random.nextInt(7);
            return switch (kind) {
                case 0 -> {
                    StringBuilder object = new StringBuilder("{");
                    for (int i = random.nextInt(4); i > 0; i--) {
                        object.append('"').append(pick(random, List.of("item", "quantity", "id", "", "\\u0000")))
                                .append("\":").append(jsonish(random, depth + 1)).append(i > 1 ? "," : "");
                    }
                    yield object.append('}').toString();
                }
                case 1 -> {
                    StringBuilder array = new StringBuilder("[");
                    for (int i = random.nextInt(4); i > 0; i--) {
                        array.append(jsonish(random, depth + 1)).append(i > 1 ? "," : "");
                    }
                    yield array.append(']').toString();
                }
                case 2 -> "{\"item\":" + jsonish(random, depth + 1) + ",\"quantity\":" + jsonish(random, depth + 1) + "}";
                case 3 -> "\"" + pick(random, List.of("book", "\\ud800", "\\\"", "\u00e9", "\\u0000", "a\\qb", "\u2028")) + "\"";
                case 4 -> pick(random, List.of("0", "-1", "1e999", "99999999999999999999999", "NaN", "0x10", "1.5", "-0"));
                case 5 -> pick(random, List.of("true", "null", "nul", "{", "]", ",", "//", "/* */"));
                default -> "\"" + token(random, random.nextInt(30)) + "\"";
            };
        }

        private static String uuid(Random random) {
            return new UUID(random.nextLong(), random.nextLong()).toString();
        }

        /** Visible ASCII without quotes or commas: a valid bare key when 1 to 255 long. */
        private static String token(Random random, int length) {
            StringBuilder token = new StringBuilder(length);
            while (token.length() < length) {
                char c = (char) (0x21 + random.nextInt(0x5E));
                if (c != '"' && c != ',') {
                    token.append(c);
                }
            }
            return token.toString();
        }

        private static byte[] bytes(Random random, int length, int from, int to) {
            byte[] bytes = new byte[length];
            for (int i = 0; i < length; i++) {
                bytes[i] = (byte) (from + random.nextInt(to - from));
            }
            return bytes;
        }

        private static byte[] concat(byte[] first, byte[] second) {
            byte[] both = Arrays.copyOf(first, first.length + second.length);
            System.arraycopy(second, 0, both, first.length, second.length);
            return both;
        }

        private static <T> T pick(Random random, List<T> values) {
            return values.get(random.nextInt(values.size()));
        }
    }
}
