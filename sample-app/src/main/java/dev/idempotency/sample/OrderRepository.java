package dev.idempotency.sample;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Repository;

/** Keeps orders in memory, by id; they are lost when the application stops. */
@Repository
public class OrderRepository {

    private final Map<String, Order> orders = new ConcurrentHashMap<>();

    public Order save(Order order) {
        orders.put(order.id().toString(), order);
        return order;
    }

    public Optional<Order> findById(String id) {
        return Optional.ofNullable(orders.get(id));
    }

    /** Every order, oldest first. */
    public List<Order> findAll() {
        return orders.values().stream().sorted(Comparator.comparing(Order::createdAt)).toList();
    }

    /** How many orders were created: lets tests count the handler's executions. */
    int count() {
        return orders.size();
    }
}
