package dev.idempotency.web.servlet;

import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;

/**
 * Ends, as a request goes out of scope after its last dispatch, a claim that nothing else ended:
 * an error sent with no error page to write it, or an async request completed without a dispatch.
 * The key is released, so it is not renewed for as long as the process lives.
 */
public final class IdempotencyRequestListener implements ServletRequestListener {

    @Override
    public void requestDestroyed(ServletRequestEvent event) {
        IdempotentExchange exchange = IdempotentExchange.of(event.getServletRequest());
        if (exchange != null) {
            exchange.requestEnded();
        }
    }
}
