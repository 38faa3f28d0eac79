package com.example.orders;

import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.idempotency.annotation.Idempotent;

/** Creates orders; a retry with the same Idempotency-Key gets the first order back. */
@RestController
class OrderController {

    /** How many times the handler really ran, so the test can tell a replay from a second run. */
    static final AtomicLong EXECUTIONS = new AtomicLong();

    @Idempotent
    @PostMapping("/orders")
    ResponseEntity<Order> create(@Valid @RequestBody OrderRequest request) {
        Order order = new Order(EXECUTIONS.incrementAndGet(), request.item(), request.quantity());
        return ResponseEntity.created(URI.create("/orders/" + order.id())).body(order);
    }

    record OrderRequest(@NotBlank String item, @Positive int quantity) {
    }

    record Order(long id, String item, int quantity) {
    }
}
