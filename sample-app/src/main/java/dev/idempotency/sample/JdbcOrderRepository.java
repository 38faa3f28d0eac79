package dev.idempotency.sample;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.context.annotation.Profile;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * With the {@code jdbc} profile: orders in the {@code sample_order} table of PostgreSQL
 * ({@code db/sample-order-postgresql.sql}), shared by every instance on the database. Each
 * statement joins the transaction running on the thread.
 */
@Repository
@Profile("jdbc")
public class JdbcOrderRepository implements OrderRepository {

    private final JdbcClient jdbc;

    public JdbcOrderRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Order save(Order order) {
        jdbc.sql("INSERT INTO sample_order (id, item, quantity, created_at) VALUES (:id, :item, :quantity, :createdAt)")
                .param("id", order.id())
                .param("item", order.item())
                .param("quantity", order.quantity())
                .param("createdAt", order.createdAt().atOffset(ZoneOffset.UTC))
                .update();
        return order;
    }

    @Override
    public Optional<Order> findById(String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        }
        catch (IllegalArgumentException notAnId) {
            return Optional.empty();
        }
        return jdbc.sql("SELECT id, item, quantity, created_at FROM sample_order WHERE id = :id")
                .param("id", uuid)
                .query(JdbcOrderRepository::order)
                .optional();
    }

    @Override
    public List<Order> findAll() {
        return jdbc.sql("SELECT id, item, quantity, created_at FROM sample_order ORDER BY created_at, id")
                .query(JdbcOrderRepository::order)
                .list();
    }

    @Override
    public int count() {
        return jdbc.sql("SELECT COUNT(*) FROM sample_order").query(Integer.class).single();
    }

    private static Order order(ResultSet row, int number) throws SQLException {
        return new Order(row.getObject(1, UUID.class), row.getString(2), row.getInt(3),
                row.getObject(4, OffsetDateTime.class).toInstant());
    }
}
