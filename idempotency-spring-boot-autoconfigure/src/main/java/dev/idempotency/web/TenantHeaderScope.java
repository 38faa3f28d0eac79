package dev.idempotency.web;

/**
 * The scope of keys kept per tenant, read from a request header ({@code idempotency.web.scope=tenant-header}):
 * a request without it is refused with 400, on every web stack.
 */
public record TenantHeaderScope(String headerName) {

    /**
     * The scope a request with {@code value} in the tenant header has.
     *
     * @throws MissingIdempotencyScopeException when the header is absent or blank
     */
    public String scopeOf(String value) {
        if (value == null || value.isBlank()) {
            throw new MissingIdempotencyScopeException("Send the " + headerName
                    + " header: idempotency keys are kept per tenant.");
        }
        return value;
    }
}
