package com.example.orders;

import java.util.concurrent.atomic.AtomicLong;

import org.springframework.stereotype.Component;

/** A stand-in for a payment provider that counts its charges, so the test can tell a replay from a second charge. */
@Component
class CountingPaymentGateway implements PaymentGateway {

    private final AtomicLong charges = new AtomicLong();

    @Override
    public Receipt charge(PaymentRequested payment) {
        return new Receipt(payment.paymentId(), "charge-" + charges.incrementAndGet());
    }

    long charges() {
        return charges.get();
    }
}
