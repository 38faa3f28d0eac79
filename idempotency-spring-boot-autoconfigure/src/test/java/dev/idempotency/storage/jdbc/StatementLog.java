package dev.idempotency.storage.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Records what a DataSource's connections send to the database, as the first word of each
 * statement or batch executed ({@code INSERT}, {@code WITH}, ...) and {@code COMMIT}, {@code ROLLBACK} or
 * {@code BEGIN} (auto-commit turned off) for the connection calls that cost a round trip.
 */
final class StatementLog {

    private static final Set<String> EXECUTES = Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate",
            "executeBatch", "executeLargeBatch");

    private final List<String> sent = new CopyOnWriteArrayList<>();

    DataSource wrap(DataSource target) {
        return new DelegatingDataSource(target) {
            @Override
            public Connection getConnection() throws SQLException {
                return recording(super.getConnection());
            }
        };
    }

    List<String> during(Runnable action) {
        sent.clear();
        action.run();
        return List.copyOf(sent);
    }

    private Connection recording(Connection connection) {
        return proxy(Connection.class, connection, (method, args) -> {
            switch (method.getName()) {
                case "commit" -> sent.add("COMMIT");
                case "rollback" -> sent.add("ROLLBACK");
                case "setAutoCommit" -> {
                    if (!(Boolean) args[0] && connection.getAutoCommit()) {
                        sent.add("BEGIN");
                    }
                }
                default -> {
                }
            }
            Object result = method.invoke(connection, args);
            if (result instanceof PreparedStatement statement) {
                return recording(statement, (String) args[0]);
            }
            return result;
        });
    }

    private PreparedStatement recording(PreparedStatement statement, String sql) {
        return proxy(PreparedStatement.class, statement, (method, args) -> {
            if (EXECUTES.contains(method.getName())) {
                sent.add(sql.strip().split("\\s+", 2)[0].toUpperCase(Locale.ROOT));
            }
            return method.invoke(statement, args);
        });
    }

    private static <T> T proxy(Class<T> type, Object target, Call call) {
        InvocationHandler handler = (proxy, method, args) -> {
            try {
                return call.invoke(method, args);
            }
            catch (InvocationTargetException ex) {
                throw ex.getCause();
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private interface Call {
        Object invoke(Method method, Object[] args) throws Exception;
    }
}
