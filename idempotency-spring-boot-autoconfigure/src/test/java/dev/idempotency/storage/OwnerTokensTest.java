package dev.idempotency.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OwnerTokensTest {

    @Test
    void tokensAreUniqueAcrossThreadsAndAcrossInstances() throws Exception {
        List<OwnerTokens> instances = List.of(new OwnerTokens(), new OwnerTokens());
        Set<OwnerToken> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                OwnerTokens tokens = instances.get(thread % 2);
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 10_000; i++) {
                        seen.add(tokens.next());
                    }
                }));
            }
            for (Future<?> done : work) {
                done.get();
            }
        }
        finally {
            pool.shutdownNow();
        }
        assertThat(seen).hasSize(80_000);
    }
}
