package dev.idempotency.web;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import dev.idempotency.annotation.Idempotent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamingHandlerStartupTest {

    @Test
    void idempotentOnAStreamingHandlerFailsStartUpSayingWhy() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(StreamingApplication.class)
                .properties("server.port=0", "spring.main.banner-mode=off").run().close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot protect a handler that streams")
                .hasMessageContaining("download");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(StreamingController.class)
    static class StreamingApplication {
    }

    @RestController
    static class StreamingController {

        @Idempotent
        @PostMapping("/download")
        StreamingResponseBody download() {
            return out -> out.write(1);
        }
    }
}
