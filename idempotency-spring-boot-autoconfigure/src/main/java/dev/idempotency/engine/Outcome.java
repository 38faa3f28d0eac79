package dev.idempotency.engine;

import java.util.Locale;

/** How one idempotent request ended, as metrics and traces tag it. */
public enum Outcome {

    /** The work ran under this key's claim. */
    EXECUTED,

    /** An earlier result was replayed; nothing ran. */
    REPLAYED,

    /** The key's first request was still running; nothing ran. */
    CONFLICT,

    /**
     * The key's first request started and never finished, and the key is never taken over
     * ({@link Takeover#NEVER}); nothing ran.
     */
    ABANDONED,

    /** The key was used for another request; nothing ran. */
    MISMATCH,

    /** The request was refused before a claim (missing or malformed key, too large, no scope). */
    REJECTED,

    /** The storage failed: nothing ran (fail-closed), or the work ran unprotected (fail-open). */
    STORAGE_ERROR,

    /** The work ran, but another request took the key over before its result was stored. */
    LOCK_LOST;

    /** {@return the tag value: the name in lower case, for example {@code storage_error}} */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
