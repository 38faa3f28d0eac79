package dev.idempotency.sample;

import java.math.BigDecimal;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

/** The body of {@code POST /payments}. */
public record CreatePaymentRequest(@NotBlank String orderId, @NotNull @Positive BigDecimal amount) {
}
