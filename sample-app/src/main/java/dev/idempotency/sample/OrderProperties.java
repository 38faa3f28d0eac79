package dev.idempotency.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the order API, under {@code sample.orders.*}.
 *
 * @param processingDelay How long creating an order takes; raise it to see a retry sent while the
 *     first request still runs answered with 409
 */
@ConfigurationProperties("sample.orders")
public record OrderProperties(@DefaultValue("0s") Duration processingDelay) {
}
