package dev.idempotency.sample;

import org.springframework.test.context.ActiveProfiles;

/** {@link OrderInProgressTest} with the {@code webflux} profile: the same API and answers on WebFlux over Netty. */
@ActiveProfiles("webflux")
class WebFluxOrderInProgressTest extends OrderInProgressTest {
}
