package dev.idempotency.web.scenarios;

import dev.idempotency.web.RedisTwoInstancesTest;

/**
 * Two WebFlux instances on Netty sharing one real Redis, claiming through Lettuce's reactive API:
 * a hundred concurrent requests with one key run the handler once.
 */
class WebFluxRedisTwoInstancesTest extends RedisTwoInstancesTest {

    @Override
    protected Class<?>[] application() {
        return new Class<?>[] { ScenarioApplication.class, ReactiveRoutes.class, EventLoopGuard.Configuration.class };
    }

    @Override
    protected String[] instanceProperties() {
        return new String[] { "spring.main.web-application-type=reactive" };
    }

    @Override
    protected int orderExecutions() {
        return ScenarioApplication.executions("/orders");
    }
}
