package com.example.orders;

import java.math.BigDecimal;

/** The message a producer sends to ask for a payment; its id is the idempotency key. */
record PaymentRequested(String paymentId, BigDecimal amount) {
}
