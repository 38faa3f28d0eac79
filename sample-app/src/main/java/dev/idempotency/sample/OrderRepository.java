package dev.idempotency.sample;

import java.util.List;
import java.util.Optional;

/** Where orders are kept: in memory, or with the {@code jdbc} profile in PostgreSQL. */
public interface OrderRepository {

    Order save(Order order);

    Optional<Order> findById(String id);

    /** Every order, oldest first. */
    List<Order> findAll();

    /** How many orders were created: lets tests count the handler's executions. */
    int count();
}
