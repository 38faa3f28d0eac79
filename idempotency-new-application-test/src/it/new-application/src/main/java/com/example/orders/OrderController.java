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

@RestController
class OrderController {

    private final AtomicLong ids = new AtomicLong();

    @Idempotent // a request without an Idempotency-Key gets 400; the response is stored and replayed
    @PostMapping("/orders")
    ResponseEntity<Order> create(@Valid @RequestBody OrderRequest request) {
        Order order = new Order(ids.incrementAndGet(), request.item(), request.quantity());
        return ResponseEntity.created(URI.create("/orders/" + order.id())).body(order);
    }

    record OrderRequest(@NotBlank String item, @Positive int quantity) {
    }

    record Order(long id, String item, int quantity) {
    }
}
