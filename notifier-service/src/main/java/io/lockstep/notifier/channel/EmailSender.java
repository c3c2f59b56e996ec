package io.lockstep.notifier.channel;

import io.lockstep.notifier.routing.ChannelSpec;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * E-mail over SMTP through the Quarkus mailer ({@code quarkus.mailer.*}: host, port, from, username; the password
 * from {@code QUARKUS_MAILER_PASSWORD}). Plain text, the subject is the message's headline.
 */
@ApplicationScoped
public class EmailSender implements ChannelSender {

    static final String SUBJECT_PREFIX = "[Lockstep] ";

    private final Mailer mailer;

    public EmailSender(Mailer mailer) {
        this.mailer = mailer;
    }

    @Override
    public ChannelSpec.ChannelType type() {
        return ChannelSpec.ChannelType.EMAIL;
    }

    @Override
    public void send(Notification n, ChannelSpec channel, int attempt) throws DeliveryException {
        MessageFormatter.Message message = MessageFormatter.format(n);
        Mail mail = new Mail()
                .setTo(channel.to())
                .setSubject(SUBJECT_PREFIX + message.headline())
                .setText(message.text())
                .addHeader("X-Lockstep-Event-Id", n.eventId());
        try {
            mailer.send(mail);
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new DeliveryException("SMTP delivery to " + channel.target() + " failed: " + reason, false);
        }
    }
}
