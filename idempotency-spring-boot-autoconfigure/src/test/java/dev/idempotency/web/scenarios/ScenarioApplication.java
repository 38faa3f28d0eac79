package dev.idempotency.web.scenarios;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.idempotency.annotation.Idempotent;

/**
 * The application both web stacks serve to {@link HttpScenarios}: one controller of plain values,
 * which Spring MVC and WebFlux run alike, and each stack's own routes for what only it can return
 * (a slow promise, a stream).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ScenarioApplication.Orders.class)
class ScenarioApplication {

    /** Counts handler executions per route, so scenarios can prove "exactly once". */
    static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();

    static int executions(String route) {
        return EXECUTIONS.computeIfAbsent(route, absent -> new AtomicInteger()).get();
    }

    static int ran(String route) {
        return EXECUTIONS.computeIfAbsent(route, absent -> new AtomicInteger()).incrementAndGet();
    }

    record Order(@NotBlank String item, @Positive int quantity) {
    }

    @RestController
    static class Orders {

        @Idempotent
        @PostMapping("/orders")
        ResponseEntity<String> create(@Valid @RequestBody Order order) {
            int number = ran("/orders");
            return ResponseEntity.created(URI.create("/orders/" + number))
                    .header("Content-Type", "application/json")
                    .body("{\"number\":" + number + ",\"item\":\"" + order.item() + "\"}");
        }

        @Idempotent(required = true)
        @PostMapping("/required")
        ResponseEntity<String> required(@RequestBody String body) {
            return ResponseEntity.ok("ran " + ran("/required"));
        }

        /** Protected by idempotency.web.paths, without an annotation. */
        @PostMapping("/payments")
        ResponseEntity<String> pay(@RequestBody String body) {
            return ResponseEntity.status(201).body("payment " + ran("/payments"));
        }

        @Idempotent
        @PostMapping("/missing")
        ResponseEntity<String> missing(@RequestBody String body) {
            ran("/missing");
            return ResponseEntity.status(404).body("no such thing");
        }

        @Idempotent
        @PostMapping("/failing")
        ResponseEntity<String> failing(@RequestBody String body) {
            ran("/failing");
            return ResponseEntity.status(500).body("failed");
        }

        @Idempotent
        @PostMapping("/large")
        ResponseEntity<String> large(@RequestBody String body) {
            ran("/large");
            return ResponseEntity.ok("x".repeat(HttpScenarios.MAX_RESPONSE_BYTES + 1));
        }

        @Idempotent
        @PostMapping("/empty")
        ResponseEntity<Void> empty(@RequestBody String body) {
            ran("/empty");
            return ResponseEntity.noContent().header("ETag", "\"" + executions("/empty") + "\"").build();
        }
    }
}
