package dev.idempotency.web.scenarios;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import dev.idempotency.annotation.Idempotent;

/** The scenarios' routes that only Spring MVC has: a handler that blocks its thread, a stream. */
@RestController
class ServletRoutes {

    @Idempotent
    @PostMapping("/slow")
    ResponseEntity<String> slow(@RequestBody String body) throws InterruptedException {
        ScenarioApplication.ran("/slow");
        HttpScenarios.slowGate.await(10, TimeUnit.SECONDS);
        return ResponseEntity.ok("slow done");
    }

    /** Protected by idempotency.web.paths. */
    @PostMapping("/stream")
    StreamingResponseBody stream(@RequestBody String body) {
        ScenarioApplication.ran("/stream");
        return out -> out.write("part\n".getBytes(StandardCharsets.UTF_8));
    }
}
