package dev.idempotency.sample;

import org.springframework.test.context.ActiveProfiles;

/** {@link PaymentApiTest} with the {@code webflux} profile: the same API and answers on WebFlux over Netty. */
@ActiveProfiles("webflux")
class WebFluxPaymentApiTest extends PaymentApiTest {
}
