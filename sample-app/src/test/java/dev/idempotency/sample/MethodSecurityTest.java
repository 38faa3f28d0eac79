package dev.idempotency.sample;

import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.idempotency.annotation.Idempotent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With store-server-errors on, an exception that Spring Security translates (method security's
 * access denied) reaches the security layer, which answers 403, instead of being stored as a 500.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "idempotency.web.store-server-errors=true")
@Import(MethodSecurityTest.AdminRefunds.class)
class MethodSecurityTest {

    private static final AtomicInteger REFUNDS = new AtomicInteger();

    @LocalServerPort
    private int port;

    @Test
    void aRequestMethodSecurityDeniesIsAnswered403AndNeverStoredAsA500() {
        SampleClient client = new SampleClient(port);
        String key = UUID.randomUUID().toString();

        HttpResponse<byte[]> first = client.post("/admin/refunds", key, "{}");
        HttpResponse<byte[]> retry = client.post("/admin/refunds", key, "{}");

        assertThat(first.statusCode()).isEqualTo(403);
        assertThat(retry.statusCode()).isEqualTo(403);
        assertThat(REFUNDS).hasValue(0);
    }

    /** A refund only admins may make; nobody in the sample is one. */
    @TestConfiguration(proxyBeanMethods = false)
    @EnableMethodSecurity
    @Import(AdminRefundController.class)
    static class AdminRefunds {
    }

    @RestController
    static class AdminRefundController {

        @Idempotent
        @PreAuthorize("hasRole('ADMIN')")
        @PostMapping("/admin/refunds")
        String refund() {
            return "refund " + REFUNDS.incrementAndGet();
        }
    }
}
