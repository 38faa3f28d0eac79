package dev.idempotency.sample;

import java.time.Instant;
import java.util.UUID;

import jakarta.validation.Valid;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The payment API. It carries no annotation: {@code idempotency.web.paths} in application.yml
 * protects it, with the key optional.
 */
@RestController
public class PaymentController {

    private final PaymentRepository repository;

    public PaymentController(PaymentRepository repository) {
        this.repository = repository;
    }

    @PostMapping("/payments")
    public ResponseEntity<Payment> create(@Valid @RequestBody CreatePaymentRequest request) {
        Payment payment = repository.save(new Payment(UUID.randomUUID(), request.orderId(), request.amount(), Instant.now()));
        return ResponseEntity.status(HttpStatus.CREATED).body(payment);
    }
}
