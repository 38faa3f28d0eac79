package dev.idempotency.sample;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

/** The body of {@code POST /orders}; the item {@code "fail"} makes the handler throw. */
public record CreateOrderRequest(@NotBlank String item, @NotNull @Positive Integer quantity) {
}
