package com.example.orders;

import org.springframework.stereotype.Component;

import dev.idempotency.template.IdempotencyOptions;
import dev.idempotency.template.IdempotencyTemplate;

@Component
class PaymentListener {

    private static final IdempotencyOptions PAYMENTS = IdempotencyOptions.DEFAULTS.withScope("payments");

    private final IdempotencyTemplate idempotency;
    private final PaymentGateway gateway;

    PaymentListener(IdempotencyTemplate idempotency, PaymentGateway gateway) {
        this.idempotency = idempotency;
        this.gateway = gateway;
    }

    // Called for every delivery of a message, redeliveries included: put your broker's listener
    // annotation here, such as @KafkaListener(topics = "payments") or @RabbitListener(queues = "payments").
    Receipt onPaymentRequested(PaymentRequested message) {
        return idempotency.execute(message.paymentId(), Receipt.class, PAYMENTS.withPayload(message),
                () -> gateway.charge(message));
    }
}
