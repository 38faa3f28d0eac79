package dev.idempotency.web;

import java.util.Map;

import dev.idempotency.testsupport.StoreProcess;

/** Store failures against a {@code redis-server} this test starts, kills, freezes and restarts. */
class RedisStoreFailureWebTest extends StoreFailureWebTest {

    @Override
    protected StoreProcess startStore() throws Exception {
        return StoreProcess.redis();
    }

    @Override
    protected Map<String, Object> storageProperties(StoreProcess redis) {
        return Map.of("idempotency.storage.type", "redis", "spring.data.redis.host", redis.host(),
                "spring.data.redis.port", redis.port());
    }
}
