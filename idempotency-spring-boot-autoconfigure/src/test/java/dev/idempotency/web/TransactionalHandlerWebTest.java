package dev.idempotency.web;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.idempotency.annotation.Idempotent;
import dev.idempotency.engine.IdempotencyKeeper;
import dev.idempotency.engine.IdempotencyKey;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler whose work commits a transaction on the JDBC storage's own database (H2 here): the
 * claim made at handler start fences that transaction, so its commit marks the key as run, and a
 * handler whose key was lost before the commit cannot commit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        classes = TransactionalHandlerWebTest.TransactionalApplication.class,
        properties = { "idempotency.storage.type=jdbc", "spring.datasource.generate-unique-name=true" })
class TransactionalHandlerWebTest extends WebTestSupport {

    @Autowired
    private JdbcTemplate jdbc;

    @Test
    void aHandlerAnswering500AfterItsTransactionCommittedIsNotRunAgain() throws Exception {
        String key = newKey();
        String item = "answers-500-" + UUID.randomUUID();

        HttpResponse<String> first = send(request("/tx-orders", key, item));
        HttpResponse<String> retry = send(request("/tx-orders", key, item));

        assertThat(first.statusCode()).isEqualTo(500);
        assertProblem(retry, 409, "response-not-replayable");
        assertThat(retry.headers().firstValue("Retry-After")).as("it will not run again").isEmpty();
        assertThat(orders(item)).isOne();
    }

    @Test
    void aHandlerWhoseKeyIsLostBeforeItsTransactionCommitsIsRolledBackAndAnswered409() throws Exception {
        String key = newKey();
        String item = "loses-its-key-" + UUID.randomUUID();

        HttpResponse<String> stale = send(request("/tx-orders", key, item));

        assertProblem(stale, 409, "request-in-progress");
        assertThat(stale.headers().firstValue("Retry-After")).isPresent();
        assertThat(orders(item)).as("its order, rolled back").isZero();
    }

    private int orders(String item) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM tx_orders WHERE item = ?", Integer.class, item);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(OrderController.class)
    static class TransactionalApplication {
    }

    /**
     * Inserts the order named by the body in a transaction. An item starting "answers-500" is
     * answered 500 once its transaction committed; one starting "loses-its-key" has its key evicted
     * while the transaction is open, as when another request takes the key over.
     */
    @RestController
    static class OrderController {

        private final TransactionTemplate transactions;
        private final JdbcTemplate jdbc;
        private final IdempotencyKeeper keeper;

        OrderController(TransactionTemplate transactions, JdbcTemplate jdbc, IdempotencyKeeper keeper) {
            this.transactions = transactions;
            this.jdbc = jdbc;
            this.keeper = keeper;
            jdbc.execute("CREATE TABLE IF NOT EXISTS tx_orders (item VARCHAR(128) NOT NULL)");
        }

        @Idempotent
        @PostMapping("/tx-orders")
        ResponseEntity<String> create(@RequestBody String item, @RequestHeader("Idempotency-Key") String key) {
            transactions.executeWithoutResult(status -> {
                jdbc.update("INSERT INTO tx_orders (item) VALUES (?)", item);
                if (item.startsWith("loses-its-key")) {
                    keeper.evict(new IdempotencyKey(HandlerAdmission.HTTP_SCOPE, key));
                }
            });
            HttpStatus status = item.startsWith("answers-500") ? HttpStatus.INTERNAL_SERVER_ERROR : HttpStatus.CREATED;
            return ResponseEntity.status(status).body(item);
        }
    }
}
