package dev.idempotency.storage.nats;

import io.nats.client.Message;
import io.nats.client.api.ApiResponse;
import io.nats.client.support.ApiConstants;
import io.nats.client.support.JsonValueUtils;

/**
 * JetStream's answer to a publish, read with jnats' own API-response parsing but without
 * {@link io.nats.client.api.PublishAck}'s habit of throwing: a write refused because another
 * revision is last is an expected answer of a compare-and-set, so it is a value here, not an
 * exception with a stack trace.
 */
final class PublishReply extends ApiResponse<PublishReply> {

    PublishReply(Message reply) {
        super(reply);
    }

    /** The stream sequence of the stored message, the key's new revision; -1 when none. */
    long revision() {
        return hasError() ? -1 : JsonValueUtils.readLong(jv, ApiConstants.SEQ, -1);
    }
}
