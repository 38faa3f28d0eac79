package dev.idempotency.sample;

import org.springframework.test.context.ActiveProfiles;

/** {@link OrderApiTest} with the {@code webflux} profile: the same API and answers on WebFlux over Netty. */
@ActiveProfiles("webflux")
class WebFluxOrderApiTest extends OrderApiTest {
}
