package dev.idempotency.engine;

/**
 * The work under this key ran, but its result could not be stored and read back (it cannot be
 * encoded, or what was encoded does not decode), so there is nothing to replay. The key is ended
 * as run: the work never runs again under it for the retention, and every retry gets this
 * exception. The call that ran the work gets it too, with the codec's failure as its cause, so
 * the defect shows on the first call rather than on the first retry.
 */
public class IdempotentResultNotReplayableException extends IdempotencyException {

    /** A retry's answer: the key's work ran earlier and its result was not stored. */
    public IdempotentResultNotReplayableException() {
        super("The work with this idempotency key ran, but its result could not be stored for replay; "
                + "it will not run again under this key");
    }

    /**
     * The answer to the call that ran the work, whose result {@code cause} kept from being stored.
     *
     * @param cause the codec's failure to encode the result or to decode what it encoded
     */
    public IdempotentResultNotReplayableException(Throwable cause) {
        this("The work ran, but its result could not be stored and read back, so a retry cannot replay it and the "
                + "work will not run again under this key: " + cause.getMessage(), cause);
    }

    /**
     * With a message of the caller's, for example one that names the method whose result this is.
     *
     * @param message what ran and why its result was not stored, without the client's key
     * @param cause the codec's failure to encode the result or to decode what it encoded
     */
    public IdempotentResultNotReplayableException(String message, Throwable cause) {
        super(message, cause);
    }
}
