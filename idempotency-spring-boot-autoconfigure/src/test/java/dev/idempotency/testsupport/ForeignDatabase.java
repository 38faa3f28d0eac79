package dev.idempotency.testsupport;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A DataSource whose connections say, in their metadata, that they are another database: how a
 * test meets a database no server on this machine runs (MySQL, for one). Everything else is the
 * real database's.
 */
public final class ForeignDatabase {

    private ForeignDatabase() {
    }

    public static DataSource reportingAs(DataSource target, String product, String version, int major, int minor) {
        return new DelegatingDataSource(target) {
            @Override
            public Connection getConnection() throws SQLException {
                Connection connection = super.getConnection();
                DatabaseMetaData metaData = connection.getMetaData();
                DatabaseMetaData foreign = proxy(DatabaseMetaData.class, metaData, (name, real) -> switch (name) {
                    case "getDatabaseProductName" -> product;
                    case "getDatabaseProductVersion" -> version;
                    case "getDatabaseMajorVersion" -> major;
                    case "getDatabaseMinorVersion" -> minor;
                    default -> real.call();
                });
                return proxy(Connection.class, connection,
                        (name, real) -> "getMetaData".equals(name) ? foreign : real.call());
            }
        };
    }

    private static <T> T proxy(Class<T> type, T target, Answer answer) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> answer.answer(method.getName(), () -> {
                    try {
                        return method.invoke(target, args);
                    }
                    catch (InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                })));
    }

    private interface Answer {
        Object answer(String method, Real real) throws Throwable;
    }

    private interface Real {
        Object call() throws Throwable;
    }
}
