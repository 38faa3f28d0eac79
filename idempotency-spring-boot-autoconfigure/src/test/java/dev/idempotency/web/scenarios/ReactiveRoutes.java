package dev.idempotency.web.scenarios;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.idempotency.annotation.Idempotent;

/** The scenarios' routes that only WebFlux has: a handler whose promise completes later, a stream. */
@RestController
class ReactiveRoutes {

    @Idempotent
    @PostMapping("/slow")
    Mono<ResponseEntity<String>> slow(@RequestBody String body) {
        ScenarioApplication.ran("/slow");
        return Mono.fromFuture(CompletableFuture.runAsync(() -> {
            try {
                HttpScenarios.slowGate.await(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        })).thenReturn(ResponseEntity.ok("slow done"));
    }

    /** Protected by idempotency.web.paths. */
    @PostMapping(path = "/stream", produces = MediaType.APPLICATION_NDJSON_VALUE)
    Flux<String> stream(@RequestBody String body) {
        ScenarioApplication.ran("/stream");
        return Flux.interval(Duration.ofMillis(10)).take(3).map(tick -> "{\"part\":" + tick + "}");
    }

    /** Whether this handler runs on what the {@link EventLoopGuard} takes for an event loop. */
    @Idempotent
    @PostMapping("/on-event-loop")
    ResponseEntity<String> onEventLoop(@RequestBody String body) {
        return ResponseEntity.ok(Boolean.toString(EventLoopGuard.onEventLoop()));
    }

    @Idempotent
    @PostMapping("/later")
    Mono<ResponseEntity<String>> later(@RequestBody String body) {
        return Mono.delay(Duration.ofMillis(50)).map(tick -> ResponseEntity.status(201)
                .body("later " + ScenarioApplication.ran("/later")));
    }
}
