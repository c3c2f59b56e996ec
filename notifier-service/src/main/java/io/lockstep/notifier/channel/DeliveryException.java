package io.lockstep.notifier.channel;

/**
 * One attempt failed. The message is shown in {@code GET /api/v1/deliveries}, logged and put on the dead-letter
 * topic, so it never carries a secret or a full URL.
 */
public class DeliveryException extends Exception {

    private final boolean permanent;

    /**
     * @param permanent true when retrying cannot help (the receiver rejected the request as invalid)
     */
    public DeliveryException(String message, boolean permanent) {
        super(message, null, false, false);
        this.permanent = permanent;
    }

    public boolean permanent() {
        return permanent;
    }
}
