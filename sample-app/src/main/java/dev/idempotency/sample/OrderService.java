package dev.idempotency.sample;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Service;

/** Creates orders, slowly when {@code sample.orders.processing-delay} says so. */
@Service
public class OrderService {

    /** The item name that makes creation fail, to show that a failed request releases its key. */
    static final String FAILING_ITEM = "fail";

    private final OrderRepository repository;
    private final Duration processingDelay;
    private final AtomicInteger attempts = new AtomicInteger();

    public OrderService(OrderRepository repository, OrderProperties properties) {
        this.repository = repository;
        this.processingDelay = properties.processingDelay();
    }

    /**
     * Creates and stores an order.
     *
     * @throws IllegalStateException when the item is {@value #FAILING_ITEM}
     */
    public Order create(CreateOrderRequest request) {
        attempts.incrementAndGet();
        pause();
        if (FAILING_ITEM.equals(request.item())) {
            throw new IllegalStateException("Order creation failed (the sample fails every order of '" + FAILING_ITEM + "')");
        }
        return repository.save(new Order(UUID.randomUUID(), request.item(), request.quantity(), Instant.now()));
    }

    /** How many times creation started, failed ones included: lets tests count the handler's executions. */
    int attempts() {
        return attempts.get();
    }

    private void pause() {
        if (processingDelay.isZero() || processingDelay.isNegative()) {
            return;
        }
        try {
            Thread.sleep(processingDelay.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating an order", ex);
        }
    }
}
