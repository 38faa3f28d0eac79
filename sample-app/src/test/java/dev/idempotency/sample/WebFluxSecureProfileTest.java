package dev.idempotency.sample;

import org.springframework.test.context.ActiveProfiles;

/** {@link SecureProfileTest} with the {@code webflux} profile: the same API and answers on WebFlux over Netty. */
@ActiveProfiles("webflux")
class WebFluxSecureProfileTest extends SecureProfileTest {
}
