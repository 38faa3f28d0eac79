package dev.idempotency.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import dev.idempotency.annotation.InProgress;
import dev.idempotency.engine.FailureMode;
import dev.idempotency.engine.Takeover;
import dev.idempotency.storage.jdbc.TableName;

import dev.idempotency.web.ReplayedHeaders;

/**
 * Configuration of the idempotency starter, under {@code idempotency.*}. Each setter checks its
 * value's rule (see {@code PropertyRules}): a value out of its range fails start-up with Boot's
 * failure analysis, naming the property and the rule.
 */
@ConfigurationProperties("idempotency")
public class IdempotencyProperties {

    /** Whether idempotency protection is on. When off, no bean of this starter is created. */
    private boolean enabled = true;

    /** How long a completed result is kept and replayed (the retention of a key). */
    private Duration ttl = Duration.ofHours(24);

    /**
     * How long an in-progress request holds its key. After the lease a retry may take the key over
     * and run, so keep it above the slowest protected handler.
     */
    private Duration lease = Duration.ofSeconds(30);

    /** Prefix of every storage key; letters, digits and - _ = . only. */
    private String keyPrefix = "idempotency.";

    /**
     * What a duplicate gets while the first request with its key still runs: reject (409 with
     * Retry-After) or wait (up to wait-timeout, then the replay). @Idempotent(inProgress) overrides it.
     */
    private InProgress inProgress = InProgress.REJECT;

    /**
     * What happens to a key whose first request started and never finished (its instance died or
     * stalled past the lease): after-lease (a retry takes it over and runs again) or never (every
     * retry gets 409 outcome-unknown until an operator evicts the key through the idempotency
     * actuator endpoint). @Idempotent(takeover) overrides it.
     */
    private Takeover takeover = Takeover.AFTER_LEASE;

    /** The longest a duplicate waits for the first request when in-progress is wait; then 409. */
    private Duration waitTimeout = Duration.ofSeconds(10);

    /**
     * Whether a transaction that a protected request's work commits is fenced also when the
     * storage is outside it (Redis, NATS, memory, JDBC on another DataSource): one owner-checked
     * renewal just before the commit, which rolls the transaction back when the key was taken over.
     * A JDBC storage on the transaction's own DataSource always fences, inside the transaction.
     */
    private boolean transactionFence;

    private final Storage storage = new Storage();

    private final Web web = new Web();

    /** {@return whether idempotency protection is on; {@code true} by default} */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether idempotency protection is on; when off, no bean of this starter is created */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@return how long a completed result is kept and replayed (the retention of a key); 24 hours by default} */
    public Duration getTtl() {
        return ttl;
    }

    /** @param ttl how long a completed result is kept and replayed; longer than zero */
    public void setTtl(Duration ttl) {
        this.ttl = PropertyRules.positive(ttl);
    }

    /** {@return how long an in-progress request holds its key; 30 seconds by default} */
    public Duration getLease() {
        return lease;
    }

    /** @param lease how long an in-progress request holds its key before a retry may take it over; longer than zero */
    public void setLease(Duration lease) {
        this.lease = PropertyRules.positive(lease);
    }

    /** {@return the prefix of every storage key; {@code idempotency.} by default} */
    public String getKeyPrefix() {
        return keyPrefix;
    }

    /** @param keyPrefix the prefix of every storage key; letters, digits and {@code - _ = .} only */
    public void setKeyPrefix(String keyPrefix) {
        this.keyPrefix = PropertyRules.storageSafe(keyPrefix);
    }

    /**
     * {@return what a duplicate gets while the first request with its key still runs;
     * {@link InProgress#REJECT} by default}
     */
    public InProgress getInProgress() {
        return inProgress;
    }

    /**
     * @param inProgress what a duplicate gets while the first request with its key still runs:
     *     {@link InProgress#REJECT} or {@link InProgress#WAIT}
     */
    public void setInProgress(InProgress inProgress) {
        if (inProgress == InProgress.DEFAULT) {
            throw new IllegalArgumentException("idempotency.in-progress must be reject or wait");
        }
        this.inProgress = inProgress;
    }

    /**
     * {@return what happens to a key whose first request started and never finished;
     * {@link Takeover#AFTER_LEASE} by default}
     */
    public Takeover getTakeover() {
        return takeover;
    }

    /**
     * @param takeover what happens to a key whose first request started and never finished:
     *     {@link Takeover#AFTER_LEASE} or {@link Takeover#NEVER}
     */
    public void setTakeover(Takeover takeover) {
        if (takeover == Takeover.DEFAULT) {
            throw new IllegalArgumentException("idempotency.takeover must be after-lease or never");
        }
        this.takeover = takeover;
    }

    /** {@return the longest a duplicate waits for the first request when in-progress is wait; 10 seconds by default} */
    public Duration getWaitTimeout() {
        return waitTimeout;
    }

    /** @param waitTimeout the longest a duplicate waits for the first request when in-progress is wait; zero or more */
    public void setWaitTimeout(Duration waitTimeout) {
        this.waitTimeout = PropertyRules.notNegative(waitTimeout);
    }

    /**
     * {@return whether a protected request's transaction is fenced also when the storage is outside it;
     * {@code false} by default}
     */
    public boolean isTransactionFence() {
        return transactionFence;
    }

    /**
     * @param transactionFence whether a transaction that a protected request's work commits is fenced also
     *     when the storage is outside it
     */
    public void setTransactionFence(boolean transactionFence) {
        this.transactionFence = transactionFence;
    }

    /** {@return where keys and results are kept: the {@code idempotency.storage.*} settings} */
    public Storage getStorage() {
        return storage;
    }

    /** {@return the HTTP behaviour: the {@code idempotency.web.*} settings} */
    public Web getWeb() {
        return web;
    }

    /** Where keys and results are kept. */
    public static class Storage {

        /** Which storage keeps keys and results. */
        private StorageType type = StorageType.MEMORY;

        /**
         * The longest a storage call may take before it counts as failed (NATS requests; Redis
         * commands unless spring.data.redis.timeout is set, which then wins).
         */
        private Duration timeout = Duration.ofSeconds(2);

        /**
         * When the storage cannot answer a claim: fail-closed (the handler does not run, 503) or
         * fail-open (the handler runs without protection; logged and counted).
         */
        private FailureMode failureMode = FailureMode.FAIL_CLOSED;

        private final Memory memory = new Memory();

        private final Redis redis = new Redis();

        private final Nats nats = new Nats();

        private final Jdbc jdbc = new Jdbc();

        /** {@return which storage keeps keys and results; {@link StorageType#MEMORY} by default} */
        public StorageType getType() {
            return type;
        }

        /** @param type which storage keeps keys and results */
        public void setType(StorageType type) {
            this.type = type;
        }

        /** {@return the longest a storage call may take before it counts as failed; 2 seconds by default} */
        public Duration getTimeout() {
            return timeout;
        }

        /** @param timeout the longest a storage call may take before it counts as failed; longer than zero */
        public void setTimeout(Duration timeout) {
            this.timeout = PropertyRules.positive(timeout);
        }

        /**
         * {@return what a request gets when the storage cannot answer its claim;
         * {@link FailureMode#FAIL_CLOSED} by default}
         */
        public FailureMode getFailureMode() {
            return failureMode;
        }

        /**
         * @param failureMode what a request gets when the storage cannot answer its claim: fail-closed (503)
         *     or fail-open (runs unprotected)
         */
        public void setFailureMode(FailureMode failureMode) {
            this.failureMode = failureMode;
        }

        /** {@return the in-memory storage's settings, {@code idempotency.storage.memory.*}} */
        public Memory getMemory() {
            return memory;
        }

        /** {@return the Redis storage's settings, {@code idempotency.storage.redis.*}} */
        public Redis getRedis() {
            return redis;
        }

        /** {@return the NATS storage's settings, {@code idempotency.storage.nats.*}} */
        public Nats getNats() {
            return nats;
        }

        /** {@return the JDBC storage's settings, {@code idempotency.storage.jdbc.*}} */
        public Jdbc getJdbc() {
            return jdbc;
        }
    }

    /** The JDBC storage: one table in the database of the application's DataSource. */
    public static class Jdbc {

        /**
         * Name of the table; an unquoted SQL identifier of at most 48 characters. The schema scripts
         * name it idempotency_entry.
         */
        private String tableName = "idempotency_entry";

        /**
         * When to create the table at start-up from the schema script for the database: embedded
         * (only for an embedded database such as H2), always, or never (create it with your
         * migrations).
         */
        private SchemaInitialization initializeSchema = SchemaInitialization.EMBEDDED;

        /** How often each instance deletes expired rows. */
        private Duration cleanupInterval = Duration.ofMinutes(1);

        /** Most expired rows one cleanup statement deletes; a cleanup runs batches until one finds fewer. */
        private int cleanupBatchSize = 500;

        /** {@return the name of the table; {@code idempotency_entry} by default} */
        public String getTableName() {
            return tableName;
        }

        /** @param tableName the name of the table; an unquoted SQL identifier of at most 48 characters */
        public void setTableName(String tableName) {
            try {
                this.tableName = new TableName(tableName).value();
            }
            catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("idempotency.storage.jdbc.table-name: " + ex.getMessage());
            }
        }

        /**
         * {@return when the table is created at start-up from the schema script;
         * {@link SchemaInitialization#EMBEDDED} by default}
         */
        public SchemaInitialization getInitializeSchema() {
            return initializeSchema;
        }

        /** @param initializeSchema when the table is created at start-up from the schema script for the database */
        public void setInitializeSchema(SchemaInitialization initializeSchema) {
            this.initializeSchema = initializeSchema;
        }

        /** {@return how often each instance deletes expired rows; 1 minute by default} */
        public Duration getCleanupInterval() {
            return cleanupInterval;
        }

        /** @param cleanupInterval how often each instance deletes expired rows; longer than zero */
        public void setCleanupInterval(Duration cleanupInterval) {
            this.cleanupInterval = PropertyRules.positive(cleanupInterval);
        }

        /** {@return the most expired rows one cleanup statement deletes; 500 by default} */
        public int getCleanupBatchSize() {
            return cleanupBatchSize;
        }

        /** @param cleanupBatchSize the most expired rows one cleanup statement deletes; at least 1 */
        public void setCleanupBatchSize(int cleanupBatchSize) {
            this.cleanupBatchSize = PropertyRules.atLeastOne(cleanupBatchSize);
        }
    }

    /**
     * When the JDBC storage's table is created at start-up: the values of Spring Boot's
     * DatabaseInitializationMode, in a type of this starter's own so that these properties bind
     * without Boot's JDBC module on the classpath.
     */
    public enum SchemaInitialization {

        /** Always run the schema script (it creates the table only when absent). */
        ALWAYS,

        /** Run it only for an embedded database, such as H2 in memory. */
        EMBEDDED,

        /** Never run it: the table comes from your migrations. */
        NEVER
    }

    /** The Redis storage; the connection itself comes from spring.data.redis.*. */
    public static class Redis {

        /**
         * How many replicas must acknowledge a winning claim, a completion and a lease renewal (WAIT
         * on the connection that wrote it) before it counts; 0 waits for none. A claim not
         * acknowledged in time is released and refused (503), never run.
         */
        private int replicaAcks = 0;

        /**
         * How long a write waits for replica-acks replicas; shorter than the Redis command timeout.
         * The connection carries nothing else meanwhile.
         */
        private Duration replicaAckTimeout = Duration.ofMillis(200);

        /**
         * {@return how many replicas must acknowledge a winning claim, a completion and a lease renewal; 0
         * (none) by default}
         */
        public int getReplicaAcks() {
            return replicaAcks;
        }

        /**
         * @param replicaAcks how many replicas must acknowledge a winning claim, a completion and a lease
         *     renewal; 0 or more
         */
        public void setReplicaAcks(int replicaAcks) {
            this.replicaAcks = PropertyRules.notNegative(replicaAcks);
        }

        /** {@return how long a write waits for its replicas' acknowledgements; 200 milliseconds by default} */
        public Duration getReplicaAckTimeout() {
            return replicaAckTimeout;
        }

        /**
         * @param replicaAckTimeout how long a write waits for its replicas' acknowledgements; longer than
         *     zero, since WAIT with 0 may block forever
         */
        public void setReplicaAckTimeout(Duration replicaAckTimeout) {
            // Not zero: WAIT's own 0 means "block until the replicas answer", possibly forever.
            this.replicaAckTimeout = PropertyRules.positive(replicaAckTimeout);
        }
    }

    /**
     * The NATS JetStream key-value storage. The connection settings apply only when the
     * application has no io.nats.client.Connection bean of its own.
     */
    public static class Nats {

        /** NATS server URLs. */
        private List<String> servers = new ArrayList<>(List.of("nats://127.0.0.1:4222"));

        /** User name for user/password authentication. */
        private String username;

        /** Password for user/password authentication. */
        private String password;

        /** Token for token authentication. */
        private String token;

        /** Path of a credentials file (JWT and NKey seed) for decentralized authentication. */
        private String credentialsFile;

        /** Name of the Spring Boot SSL bundle (spring.ssl.bundle.*) that turns on TLS. */
        private String sslBundle;

        /** Name of the connection, as the server's monitoring shows it. */
        private String connectionName = "idempotency";

        /** Name of the JetStream key-value bucket; created when absent. */
        private String bucket = "idempotency";

        /** How many servers keep each entry of a bucket this starter creates (1 to 5). */
        private int replicas = 1;

        /** Where the servers keep a bucket this starter creates: file (survives restarts) or memory. */
        private NatsStorageKind storage = NatsStorageKind.FILE;

        /**
         * How long the server keeps an entry of a bucket this starter creates; raised to the
         * retention (idempotency.ttl) when shorter. 0 means the retention.
         */
        private Duration maxAge = Duration.ZERO;

        /**
         * Whether to use an existing bucket whose settings break the guarantees (memory storage,
         * a max age shorter than the retention, fewer replicas) instead of failing start-up.
         */
        private boolean adoptExistingBucket = false;

        /**
         * Whether to use a bucket of more than one replica on nats-server older than 2.9.21
         * instead of failing start-up. Unsafe: those servers do not serialise the revision checks
         * of a replicated bucket (nats-server issue 4320), and requests can run twice.
         */
        private boolean allowUnsafeReplicas = false;

        /** {@return the NATS server URLs; {@code nats://127.0.0.1:4222} by default} */
        public List<String> getServers() {
            return servers;
        }

        /** @param servers the NATS server URLs; at least one */
        public void setServers(List<String> servers) {
            this.servers = PropertyRules.notEmpty(servers);
        }

        /** {@return the user name for user/password authentication, or {@code null}} */
        public String getUsername() {
            return username;
        }

        /** @param username the user name for user/password authentication */
        public void setUsername(String username) {
            this.username = username;
        }

        /** {@return the password for user/password authentication, or {@code null}} */
        public String getPassword() {
            return password;
        }

        /** @param password the password for user/password authentication */
        public void setPassword(String password) {
            this.password = password;
        }

        /** {@return the token for token authentication, or {@code null}} */
        public String getToken() {
            return token;
        }

        /** @param token the token for token authentication */
        public void setToken(String token) {
            this.token = token;
        }

        /** {@return the path of a credentials file (JWT and NKey seed) for decentralized authentication, or {@code null}} */
        public String getCredentialsFile() {
            return credentialsFile;
        }

        /** @param credentialsFile the path of a credentials file (JWT and NKey seed) for decentralized authentication */
        public void setCredentialsFile(String credentialsFile) {
            this.credentialsFile = credentialsFile;
        }

        /** {@return the name of the SSL bundle that turns on TLS, or {@code null} for none} */
        public String getSslBundle() {
            return sslBundle;
        }

        /** @param sslBundle the name of a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) that turns on TLS */
        public void setSslBundle(String sslBundle) {
            this.sslBundle = sslBundle;
        }

        /** {@return the name of the connection, as the server's monitoring shows it; {@code idempotency} by default} */
        public String getConnectionName() {
            return connectionName;
        }

        /** @param connectionName the name of the connection, as the server's monitoring shows it */
        public void setConnectionName(String connectionName) {
            this.connectionName = connectionName;
        }

        /** {@return the name of the JetStream key-value bucket; {@code idempotency} by default} */
        public String getBucket() {
            return bucket;
        }

        /** @param bucket the name of the key-value bucket, created when absent; letters, digits, - and _ only */
        public void setBucket(String bucket) {
            this.bucket = PropertyRules.bucketName(bucket);
        }

        /** {@return how many servers keep each entry of a bucket this starter creates; 1 by default} */
        public int getReplicas() {
            return replicas;
        }

        /** @param replicas how many servers keep each entry of a bucket this starter creates; 1 to 5 */
        public void setReplicas(int replicas) {
            this.replicas = PropertyRules.between(replicas, 1, 5, "as JetStream allows");
        }

        /** {@return where the servers keep a bucket this starter creates; {@link NatsStorageKind#FILE} by default} */
        public NatsStorageKind getStorage() {
            return storage;
        }

        /** @param storage where the servers keep a bucket this starter creates: on file (survives restarts) or in memory */
        public void setStorage(NatsStorageKind storage) {
            this.storage = storage;
        }

        /**
         * {@return how long the server keeps an entry of a bucket this starter creates; zero, meaning the
         * retention, by default}
         */
        public Duration getMaxAge() {
            return maxAge;
        }

        /**
         * @param maxAge how long the server keeps an entry of a bucket this starter creates, raised to the
         *     retention when shorter; 0 for the retention
         */
        public void setMaxAge(Duration maxAge) {
            this.maxAge = PropertyRules.notNegative(maxAge);
        }

        /**
         * {@return whether an existing bucket whose settings break the guarantees is used instead of failing
         * start-up; {@code false} by default}
         */
        public boolean isAdoptExistingBucket() {
            return adoptExistingBucket;
        }

        /**
         * @param adoptExistingBucket whether to use an existing bucket whose settings break the guarantees
         *     instead of failing start-up
         */
        public void setAdoptExistingBucket(boolean adoptExistingBucket) {
            this.adoptExistingBucket = adoptExistingBucket;
        }

        /**
         * {@return whether a replicated bucket is used on nats-server older than 2.9.21 instead of failing
         * start-up; {@code false} by default}
         */
        public boolean isAllowUnsafeReplicas() {
            return allowUnsafeReplicas;
        }

        /**
         * @param allowUnsafeReplicas whether to use a replicated bucket on nats-server older than 2.9.21
         *     instead of failing start-up; unsafe, requests can run twice
         */
        public void setAllowUnsafeReplicas(boolean allowUnsafeReplicas) {
            this.allowUnsafeReplicas = allowUnsafeReplicas;
        }
    }

    /** What scopes an HTTP request's key. */
    public enum Scope {

        /** The authenticated principal's name; anonymous requests share the empty scope. */
        PRINCIPAL,

        /** The tenant header (idempotency.web.tenant-header); a request without it gets 400. */
        TENANT_HEADER
    }

    /** The format an idempotency key must have. */
    public enum KeyFormat {

        /** Any key the header rules accept. */
        ANY,

        /** A UUID in its canonical text form. */
        UUID
    }

    /** Where NATS servers keep a bucket's entries. */
    public enum NatsStorageKind {

        /** On disk: entries survive a server restart. */
        FILE,

        /** In memory: entries are lost when the server restarts. */
        MEMORY
    }

    /** The in-memory storage. */
    public static class Memory {

        /**
         * Most entries kept at once. When full, new keys are refused (503) until entries expire;
         * live entries are never evicted.
         */
        private int maxEntries = 100_000;

        /** How often expired entries are dropped. */
        private Duration sweepInterval = Duration.ofMinutes(1);

        /** {@return the most entries kept at once; 100,000 by default} */
        public int getMaxEntries() {
            return maxEntries;
        }

        /** @param maxEntries the most entries kept at once; new keys are refused (503) while full; at least 1 */
        public void setMaxEntries(int maxEntries) {
            this.maxEntries = PropertyRules.atLeastOne(maxEntries);
        }

        /** {@return how often expired entries are dropped; 1 minute by default} */
        public Duration getSweepInterval() {
            return sweepInterval;
        }

        /** @param sweepInterval how often expired entries are dropped; longer than zero */
        public void setSweepInterval(Duration sweepInterval) {
            this.sweepInterval = PropertyRules.positive(sweepInterval);
        }
    }

    /** HTTP behaviour. */
    public static class Web {

        /** Name of the request header that carries the idempotency key. */
        private String headerName = "Idempotency-Key";

        /** Longest key accepted, in characters; longer keys get 400. */
        private int maxKeyLength = 255;

        /**
         * Path patterns (Spring path-pattern syntax, for example /payments/**) whose handlers are
         * protected without an @Idempotent annotation.
         */
        private List<String> paths = new ArrayList<>();

        /** HTTP methods the path patterns apply to. */
        private Set<String> methods = new LinkedHashSet<>(List.of("POST", "PATCH"));

        /**
         * Whether requests to the path patterns must carry a key (400 without one). When false
         * they run unprotected without a key. Annotated methods use @Idempotent(required).
         */
        private boolean keyRequired = true;

        /**
         * Whether the handler's own 4xx responses are stored and replayed (Stripe's rule). When
         * false only 2xx and 3xx responses are stored.
         */
        private boolean storeClientErrors = true;

        /**
         * Whether 5xx responses, and exceptions that escape the handler (as a 500 problem), are
         * stored and replayed once the handler started (Stripe's behaviour). When false they
         * release the key, so a retry runs again.
         */
        private boolean storeServerErrors = false;

        /**
         * Largest request body, with a key, that is fingerprinted; a larger one gets 413 before
         * anything runs.
         */
        private DataSize maxRequestSize = DataSize.ofMegabytes(1);

        /**
         * Largest response kept for replay. A larger one is sent, and recorded as processed
         * without its body: a retry gets 409 (response-not-replayable), never a second execution.
         */
        private DataSize maxResponseSize = DataSize.ofMegabytes(1);

        /** What scopes a key: the authenticated principal, or the tenant header. */
        private Scope scope = Scope.PRINCIPAL;

        /** The request header that carries the tenant when scope is tenant-header. */
        private String tenantHeader = "X-Tenant-Id";

        /** The format a key must have: any (the header rules only) or uuid. */
        private KeyFormat keyFormat = KeyFormat.ANY;

        /** Statuses never stored, so a retry runs again: those that ask the client to retry. */
        private Set<Integer> neverStoredStatuses = new LinkedHashSet<>(List.of(408, 409, 425, 429));

        /**
         * Response headers a replay reproduces. Set-Cookie, Date, Content-Length and hop-by-hop
         * headers are never replayed.
         */
        private List<String> replayHeaders = new ArrayList<>(ReplayedHeaders.DEFAULT);

        /** Retry-After sent with 409 (request in progress) and 503 (storage unavailable). */
        private Duration retryAfter = Duration.ofSeconds(1);

        /** Order of the idempotency filter; it must run after Spring Security's filter chain (-100). */
        private int filterOrder = 0;

        /** Prefix of the problem type URIs, followed by the problem's name, e.g. key-reused. */
        private String problemTypeBase = "urn:problem-type:idempotency:";

        /**
         * Absolute URL of the API's documentation of its idempotency rules, sent with every problem
         * answer as a Link header with rel="describedby". None when unset.
         */
        private URI documentationUrl;

        /** {@return the name of the request header that carries the idempotency key; {@code Idempotency-Key} by default} */
        public String getHeaderName() {
            return headerName;
        }

        /** @param headerName the name of the request header that carries the idempotency key; an HTTP header name */
        public void setHeaderName(String headerName) {
            this.headerName = PropertyRules.headerName(headerName);
        }

        /** {@return the longest key accepted, in characters; 255 by default} */
        public int getMaxKeyLength() {
            return maxKeyLength;
        }

        /** @param maxKeyLength the longest key accepted, in characters (a longer one gets 400); at least 1 */
        public void setMaxKeyLength(int maxKeyLength) {
            this.maxKeyLength = PropertyRules.atLeastOne(maxKeyLength);
        }

        /**
         * {@return the path patterns whose handlers are protected without an {@code @Idempotent} annotation;
         * none by default}
         */
        public List<String> getPaths() {
            return paths;
        }

        /**
         * @param paths path patterns (Spring path-pattern syntax) whose handlers are protected without an
         *     {@code @Idempotent} annotation
         */
        public void setPaths(List<String> paths) {
            this.paths = paths;
        }

        /** {@return the HTTP methods the path patterns apply to; {@code POST} and {@code PATCH} by default} */
        public Set<String> getMethods() {
            return methods;
        }

        /** @param methods the HTTP methods the path patterns apply to, such as {@code POST} */
        public void setMethods(Set<String> methods) {
            this.methods = PropertyRules.httpMethods(methods);
        }

        /** {@return whether requests to the path patterns must carry a key; {@code true} by default} */
        public boolean isKeyRequired() {
            return keyRequired;
        }

        /**
         * @param keyRequired whether requests to the path patterns must carry a key (400 without one), rather
         *     than run unprotected
         */
        public void setKeyRequired(boolean keyRequired) {
            this.keyRequired = keyRequired;
        }

        /** {@return whether the handler's own 4xx responses are stored and replayed; {@code true} by default} */
        public boolean isStoreClientErrors() {
            return storeClientErrors;
        }

        /** @param storeClientErrors whether the handler's own 4xx responses are stored and replayed, not only 2xx and 3xx */
        public void setStoreClientErrors(boolean storeClientErrors) {
            this.storeClientErrors = storeClientErrors;
        }

        /**
         * {@return whether 5xx responses and exceptions that escape the handler are stored and replayed;
         * {@code false} by default}
         */
        public boolean isStoreServerErrors() {
            return storeServerErrors;
        }

        /**
         * @param storeServerErrors whether 5xx responses and exceptions that escape the handler are stored
         *     and replayed, rather than release the key
         */
        public void setStoreServerErrors(boolean storeServerErrors) {
            this.storeServerErrors = storeServerErrors;
        }

        /** {@return the largest request body, with a key, that is fingerprinted; 1 MB by default} */
        public DataSize getMaxRequestSize() {
            return maxRequestSize;
        }

        /**
         * @param maxRequestSize the largest request body, with a key, that is fingerprinted (a larger one
         *     gets 413); 1 byte up to what one array holds
         */
        public void setMaxRequestSize(DataSize maxRequestSize) {
            this.maxRequestSize = PropertyRules.arraySize(maxRequestSize);
        }

        /** {@return the largest response kept for replay; 1 MB by default} */
        public DataSize getMaxResponseSize() {
            return maxResponseSize;
        }

        /** @param maxResponseSize the largest response kept for replay; 1 byte up to what one array holds */
        public void setMaxResponseSize(DataSize maxResponseSize) {
            this.maxResponseSize = PropertyRules.arraySize(maxResponseSize);
        }

        /** {@return what scopes a key; {@link Scope#PRINCIPAL} by default} */
        public Scope getScope() {
            return scope;
        }

        /** @param scope what scopes a key: the authenticated principal, or the tenant header */
        public void setScope(Scope scope) {
            this.scope = scope;
        }

        /**
         * {@return the request header that carries the tenant when scope is tenant-header;
         * {@code X-Tenant-Id} by default}
         */
        public String getTenantHeader() {
            return tenantHeader;
        }

        /**
         * @param tenantHeader the request header that carries the tenant when scope is tenant-header; an HTTP
         *     header name
         */
        public void setTenantHeader(String tenantHeader) {
            this.tenantHeader = PropertyRules.headerName(tenantHeader);
        }

        /** {@return the format a key must have; {@link KeyFormat#ANY} by default} */
        public KeyFormat getKeyFormat() {
            return keyFormat;
        }

        /** @param keyFormat the format a key must have: any (the header rules only) or a UUID */
        public void setKeyFormat(KeyFormat keyFormat) {
            this.keyFormat = keyFormat;
        }

        /** {@return the statuses never stored, so that a retry runs again; 408, 409, 425 and 429 by default} */
        public Set<Integer> getNeverStoredStatuses() {
            return neverStoredStatuses;
        }

        /**
         * @param neverStoredStatuses the statuses never stored, so that a retry runs again; HTTP statuses
         *     from 100 to 599
         */
        public void setNeverStoredStatuses(Set<Integer> neverStoredStatuses) {
            this.neverStoredStatuses = PropertyRules.httpStatuses(neverStoredStatuses);
        }

        /** {@return the response headers a replay reproduces; {@link ReplayedHeaders#DEFAULT} by default} */
        public List<String> getReplayHeaders() {
            return replayHeaders;
        }

        /**
         * @param replayHeaders the response headers a replay reproduces; Set-Cookie, Date, Content-Length and
         *     hop-by-hop headers never are
         */
        public void setReplayHeaders(List<String> replayHeaders) {
            this.replayHeaders = replayHeaders;
        }

        /**
         * {@return the Retry-After sent with 409 (request in progress) and 503 (storage unavailable); 1
         * second by default}
         */
        public Duration getRetryAfter() {
            return retryAfter;
        }

        /**
         * @param retryAfter the Retry-After sent with 409 (request in progress) and 503 (storage
         *     unavailable); zero or more
         */
        public void setRetryAfter(Duration retryAfter) {
            this.retryAfter = PropertyRules.notNegative(retryAfter);
        }

        /** {@return the order of the idempotency filter; 0 by default} */
        public int getFilterOrder() {
            return filterOrder;
        }

        /**
         * @param filterOrder the order of the idempotency filter; it must run after Spring Security's filter
         *     chain (-100)
         */
        public void setFilterOrder(int filterOrder) {
            this.filterOrder = filterOrder;
        }

        /** {@return the prefix of the problem type URIs; {@code urn:problem-type:idempotency:} by default} */
        public String getProblemTypeBase() {
            return problemTypeBase;
        }

        /** @param problemTypeBase the prefix that, followed by the problem's name, makes a problem type URI */
        public void setProblemTypeBase(String problemTypeBase) {
            this.problemTypeBase = PropertyRules.uriPrefix(problemTypeBase);
        }

        /**
         * {@return the absolute URL of the API's idempotency documentation, sent with every problem answer;
         * {@code null} for none}
         */
        public URI getDocumentationUrl() {
            return documentationUrl;
        }

        /**
         * @param documentationUrl the absolute URL of the API's idempotency documentation, or {@code null}
         *     for no Link header
         */
        public void setDocumentationUrl(URI documentationUrl) {
            if (documentationUrl != null && !documentationUrl.isAbsolute()) {
                throw new IllegalArgumentException("idempotency.web.documentation-url must be an absolute URL, such as "
                        + "https://api.example.com/docs/idempotency; was " + documentationUrl);
            }
            this.documentationUrl = documentationUrl;
        }
    }
}
