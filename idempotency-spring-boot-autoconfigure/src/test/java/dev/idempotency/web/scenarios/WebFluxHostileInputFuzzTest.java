package dev.idempotency.web.scenarios;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

import dev.idempotency.web.HostileInputFuzzTest;

/**
 * The hostile-input fuzz test on WebFlux over Netty, against the scenario application's routes:
 * the same generated keys, bodies, content types and paths, held to the same rules, with every
 * blocking storage call on an event loop failing its request ({@link EventLoopGuard}).
 */
@SpringBootTest(classes = { ScenarioApplication.class, ReactiveRoutes.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { HttpScenarios.PATHS, HttpScenarios.PATHS_KEY_OPTIONAL, HttpScenarios.RETRY_AFTER,
                "spring.main.web-application-type=reactive" })
@Import(EventLoopGuard.Configuration.class)
class WebFluxHostileInputFuzzTest extends HostileInputFuzzTest {

    private static final List<Route> ROUTES = List.of(
            new Route("/orders", Protection.REQUIRED), new Route("/required", Protection.REQUIRED),
            new Route("/missing", Protection.REQUIRED), new Route("/large", Protection.REQUIRED),
            new Route("/empty", Protection.REQUIRED), new Route("/slow", Protection.REQUIRED),
            new Route("/later", Protection.REQUIRED), new Route("/on-event-loop", Protection.REQUIRED),
            new Route("/payments", Protection.OPTIONAL),
            new Route("/no-such-route", Protection.NONE),
            new Route("/stream", Protection.STREAMING));

    @Override
    protected List<Route> routes() {
        return ROUTES;
    }

    @Override
    protected int totalExecutions() {
        return ScenarioApplication.EXECUTIONS.values().stream().mapToInt(AtomicInteger::get).sum();
    }
}
