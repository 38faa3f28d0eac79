package dev.idempotency.sample;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Creates orders, each in a transaction of its own where the application has a transaction manager
 * (the {@code jdbc} profile), slowly when {@code sample.orders.processing-delay} says so, and
 * returning late after its commit when {@code sample.orders.after-commit-delay} does.
 */
@Service
public class OrderService {

    /** The item name that makes creation fail, to show that a failed request releases its key. */
    static final String FAILING_ITEM = "fail";

    private final OrderRepository repository;
    private final TransactionOperations transactions;
    private final Duration processingDelay;
    private final Duration afterCommitDelay;
    private final AtomicInteger attempts = new AtomicInteger();

    public OrderService(OrderRepository repository, OrderProperties properties,
            ObjectProvider<TransactionOperations> transactions) {
        this.repository = repository;
        this.transactions = transactions.getIfAvailable(TransactionOperations::withoutTransaction);
        this.processingDelay = properties.processingDelay();
        this.afterCommitDelay = properties.afterCommitDelay();
    }

    /**
     * Creates and stores an order. The processing delay passes inside the order's transaction; the
     * after-commit delay once it has committed.
     *
     * @throws IllegalStateException when the item is {@value #FAILING_ITEM}
     */
    public Order create(CreateOrderRequest request) {
        attempts.incrementAndGet();
        Order order = transactions.execute(status -> {
            pause(processingDelay);
            if (FAILING_ITEM.equals(request.item())) {
                throw new IllegalStateException("Order creation failed (the sample fails every order of '" + FAILING_ITEM
                        + "')");
            }
            return repository.save(new Order(UUID.randomUUID(), request.item(), request.quantity(), Instant.now()));
        });
        pause(afterCommitDelay);
        return order;
    }

    /** How many times creation started, failed ones included: lets tests count the handler's executions. */
    int attempts() {
        return attempts.get();
    }

    private static void pause(Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating an order", ex);
        }
    }
}
