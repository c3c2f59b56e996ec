package io.lockstep.notifier.it;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The real services the notifier talks to in tests: the shared Kafka broker (with topics of this run's own, so
 * other builds' events never interfere), GreenMail as the SMTP server in this JVM, and a local HTTP receiver for
 * the webhook and Slack channels.
 */
public class NotifierTestServices implements QuarkusTestResourceLifecycleManager {

    static final String BOOTSTRAP = "127.0.0.1:9092";
    static final String HOOK_SECRET = "whsec-it-ops-hook";
    static final String BROKEN_SECRET = "whsec-it-broken-hook";
    static final String SLACK_PATH = "/ok/slack/T0001/B0002/slacktokensecret";
    static final String ONCALL = "oncall@example.test";

    static GreenMail mail;
    static HttpReceiver http;
    static String runEvents;
    static String runEventsDlq;
    static String notificationsDlq;
    static String groupId;

    private Path secretFile;

    @Override
    public Map<String, String> start() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        runEvents = "lockstep.run-events.test-" + suffix;
        runEventsDlq = runEvents + ".dlq";
        notificationsDlq = "lockstep.notifications.dlq.test-" + suffix;
        groupId = "lockstep-notifier-test-" + suffix;
        try (Admin admin = admin()) {
            admin.createTopics(List.of(runEvents, runEventsDlq, notificationsDlq).stream()
                            .map(t -> new NewTopic(t, 1, (short) 1))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create test topics on " + BOOTSTRAP, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        mail.start();
        try {
            http = HttpReceiver.start();
            secretFile = Files.createTempFile("broken-hook", ".secret");
            Files.writeString(secretFile, BROKEN_SECRET + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", BOOTSTRAP);
        config.put("mp.messaging.incoming.run-events.topic", runEvents);
        config.put("mp.messaging.incoming.run-events.dead-letter-queue.topic", runEventsDlq);
        config.put("mp.messaging.incoming.run-events.group.id", groupId);
        config.put("mp.messaging.incoming.run-events.auto.commit.interval.ms", "200");
        config.put("mp.messaging.incoming.run-events.auto.offset.reset", "earliest");
        config.put("mp.messaging.outgoing.notifications-dlq.topic", notificationsDlq);
        config.put("quarkus.mailer.host", "127.0.0.1");
        config.put("quarkus.mailer.port", Integer.toString(mail.getSmtp().getPort()));
        config.put("quarkus.mailer.start-tls", "DISABLED");
        config.put("lockstep.notifier.delivery.max-attempts", "3");
        config.put("lockstep.notifier.delivery.backoff", "50ms");
        config.put("lockstep.notifier.delivery.max-backoff", "200ms");
        config.put("lockstep.notifier.delivery.timeout", "5s");
        String c = "lockstep.notifier.channels.";
        config.put(c + "ops-hook.type", "webhook");
        config.put(c + "ops-hook.url", http.url("/ok/hook?tenant=ops"));
        config.put(c + "ops-hook.secret", HOOK_SECRET);
        config.put(c + "broken-hook.type", "webhook");
        config.put(c + "broken-hook.url", http.url("/fail/hook"));
        config.put(c + "broken-hook.secret-file", secretFile.toString());
        config.put(c + "team-slack.type", "slack");
        config.put(c + "team-slack.url", http.url(SLACK_PATH));
        config.put(c + "oncall-mail.type", "email");
        config.put(c + "oncall-mail.to", ONCALL);
        String r = "lockstep.notifier.routes.";
        config.put(r + "failures.plans", "*");
        config.put(r + "failures.events", "failed,drill-failed,stale");
        config.put(r + "failures.channels", "ops-hook,broken-hook,team-slack,oncall-mail");
        config.put(r + "shop-ok.plans", "shop-*");
        config.put(r + "shop-ok.events", "consistent");
        config.put(r + "shop-ok.channels", "ops-hook");
        return config;
    }

    @Override
    public void stop() {
        if (mail != null) {
            mail.stop();
        }
        if (http != null) {
            http.stop();
        }
        try (Admin admin = admin()) {
            admin.deleteTopics(List.of(runEvents, runEventsDlq, notificationsDlq))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort: the topics are unique to this run and harmless if left behind
        }
        try {
            if (secretFile != null) {
                Files.deleteIfExists(secretFile);
            }
        } catch (IOException e) {
            // a temporary file; nothing else to do
        }
    }

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP));
    }
}
