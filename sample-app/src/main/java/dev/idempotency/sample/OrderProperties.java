package dev.idempotency.sample;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the order API, under {@code sample.orders.*}.
 *
 * @param processingDelay How long creating an order takes, inside its transaction; raise it to see
 *     a retry sent while the first request still runs answered with 409
 * @param afterCommitDelay How long the handler takes to return once the order's transaction has
 *     committed, before its response is stored: the window in which a crash leaves an order
 *     created and its response unknown
 */
@ConfigurationProperties("sample.orders")
public record OrderProperties(@DefaultValue("0s") Duration processingDelay, @DefaultValue("0s") Duration afterCommitDelay) {
}
