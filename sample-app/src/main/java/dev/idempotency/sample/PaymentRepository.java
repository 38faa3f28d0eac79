package dev.idempotency.sample;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Repository;

/** Keeps payments in memory, by id; they are lost when the application stops. */
@Repository
public class PaymentRepository {

    private final Map<String, Payment> payments = new ConcurrentHashMap<>();

    public Payment save(Payment payment) {
        payments.put(payment.id().toString(), payment);
        return payment;
    }

    /** How many payments were created: lets tests count the handler's executions. */
    int count() {
        return payments.size();
    }
}
