package dev.idempotency.sample;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Repository;

/** Keeps orders in memory, by id; they are lost when the application stops. Every profile but {@code jdbc}. */
@Repository
@Profile("!jdbc")
public class InMemoryOrderRepository implements OrderRepository {

    private final Map<String, Order> orders = new ConcurrentHashMap<>();

    @Override
    public Order save(Order order) {
        orders.put(order.id().toString(), order);
        return order;
    }

    @Override
    public Optional<Order> findById(String id) {
        return Optional.ofNullable(orders.get(id));
    }

    @Override
    public List<Order> findAll() {
        return orders.values().stream().sorted(Comparator.comparing(Order::createdAt)).toList();
    }

    @Override
    public int count() {
        return orders.size();
    }
}
