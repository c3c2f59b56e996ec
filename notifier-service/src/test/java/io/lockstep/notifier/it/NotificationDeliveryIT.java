package io.lockstep.notifier.it;

import static io.lockstep.notifier.it.NotifierTokens.asViewer;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMailUtil;
import io.lockstep.protocol.CloudEvent;
import io.lockstep.protocol.EventCodec;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.PlanEvent;
import io.lockstep.protocol.RunEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The notifier against real services: events produced to a real Kafka topic, webhooks and Slack messages received
 * by a local HTTP server, e-mail received by GreenMail over SMTP, dead letters read back from Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = NotifierTestServices.class, restrictToAnnotatedClass = true)
class NotificationDeliveryIT {

    private static final EventCodec CODEC = new EventCodec("/coordinator");
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static KafkaProducer<String, String> producer;

    private static final List<String> LOG = new CopyOnWriteArrayList<>();
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord record) {
            LOG.add(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    static void captureLog() {
        Logger.getLogger("").addHandler(CAPTURE);
    }

    @AfterAll
    static void noSecretOrFullUrlWasLogged() {
        Logger.getLogger("").removeHandler(CAPTURE);
        assertTrue(
                LOG.stream().anyMatch(m -> m != null && m.contains("gave up after 3 attempt(s)")),
                "the capture saw the dead-letter warnings");
        for (String secret : List.of(
                NotifierTestServices.HOOK_SECRET,
                NotifierTestServices.BROKEN_SECRET,
                "slacktokensecret",
                "tenant=ops",
                "/fail/hook")) {
            assertTrue(LOG.stream().noneMatch(m -> m != null && m.contains(secret)), secret + " was logged");
        }
    }

    @BeforeAll
    static void producer() {
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        NotifierTestServices.BOOTSTRAP,
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer());
    }

    @AfterAll
    static void closeProducer() {
        producer.close();
    }

    @Test
    void failedRunProducesASignedWebhookWhoseSignatureVerifies() throws Exception {
        CloudEvent failed = publish(failedRun("billing", "step app/billing failed: pg_dump exited 1"));

        HttpReceiver.Received request = awaitOne("/ok/hook", failed.id());

        long timestamp = Long.parseLong(request.header("X-Lockstep-Timestamp"));
        assertTrue(Math.abs(Instant.now().getEpochSecond() - timestamp) < 300, "timestamp is current");
        assertEquals(
                expectedSignature(NotifierTestServices.HOOK_SECRET, timestamp, request.body()),
                request.header("X-Lockstep-Signature"));
        assertEquals(EventTypes.RUN_FAILED, request.header("X-Lockstep-Event-Type"));
        assertTrue(request.header("Content-Type").startsWith("application/json"));
        CloudEvent body = EventCodec.decode(new String(request.body(), StandardCharsets.UTF_8));
        assertEquals(failed.id(), body.id());
        assertEquals(
                "step app/billing failed: pg_dump exited 1",
                EventCodec.payload(body, RunEvent.class).error());
    }

    @Test
    void failedRunProducesAReadableEmailAndSlackMessage() throws Exception {
        CloudEvent failed = publish(failedRun("payroll", "verification failed: 3 dangling references"));

        MimeMessage email = await().atMost(WAIT).until(() -> emailFor(failed.id()), m -> m != null);

        assertEquals("[Lockstep] Backup of plan payroll FAILED", email.getSubject());
        assertEquals(NotifierTestServices.ONCALL, email.getAllRecipients()[0].toString());
        String text = GreenMailUtil.getBody(email);
        assertTrue(text.contains("Reason: verification failed: 3 dangling references"), text);
        assertTrue(text.contains("Duration: 4m 10s"), text);
        assertTrue(text.contains("Size: 2.0 MiB"), text);

        // a Slack message names the run, not the event
        HttpReceiver.Received slack = awaitOne(NotifierTestServices.SLACK_PATH, failed.subject());
        JsonNode json = EventCodec.mapper().readTree(slack.body());
        String message = json.get("text").asText();
        assertTrue(message.startsWith("*Backup of plan payroll FAILED*"), message);
        assertTrue(message.contains("Reason: verification failed: 3 dangling references"), message);
    }

    @Test
    void endpointAnswering500IsRetriedThenDeadLetteredWhileOtherChannelsDeliver() throws Exception {
        CloudEvent failed = publish(failedRun("orders", "object copy failed"));

        try (TopicReader dlq = new TopicReader(NotifierTestServices.notificationsDlq)) {
            ConsumerRecord<String, String> letter = await().atMost(WAIT)
                    .pollInSameThread()
                    .until(
                            () -> dlq.records().stream()
                                    .filter(r -> failed.id().equals(r.key()))
                                    .findFirst()
                                    .orElse(null),
                            r -> r != null);
            JsonNode record = EventCodec.mapper().readTree(letter.value());
            assertEquals("broken-hook", record.get("channel").asText());
            assertEquals(3, record.get("attempts").asInt());
            assertTrue(record.get("reason").asText().contains("HTTP 500"), letter.value());
            assertEquals(failed.id(), record.get("event").get("id").asText());
            assertFalse(letter.value().contains(NotifierTestServices.BROKEN_SECRET), "no secret in the dead letter");
            assertFalse(letter.value().contains("/fail/hook"), "no endpoint path in the dead letter");
        }
        List<HttpReceiver.Received> tries = NotifierTestServices.http.requests("/fail/hook", failed.id());
        assertEquals(
                List.of("1", "2", "3"),
                tries.stream().map(r -> r.header("X-Lockstep-Delivery-Attempt")).toList());
        awaitOne("/ok/hook", failed.id());
        await().atMost(WAIT).until(() -> emailFor(failed.id()) != null);

        JsonPath deliveries = asViewer()
                .queryParam("eventId", failed.id())
                .when()
                .get("/api/v1/deliveries")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("DEAD_LETTERED", outcome(deliveries, "broken-hook"));
        assertEquals(3, (int) deliveries.getInt("find { it.channel == 'broken-hook' }.attempts"));
        assertTrue(deliveries
                .getString("find { it.channel == 'broken-hook' }.lastError")
                .contains("HTTP 500"));
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath now = asViewer()
                    .queryParam("eventId", failed.id())
                    .get("/api/v1/deliveries")
                    .jsonPath();
            assertEquals("DELIVERED", outcome(now, "ops-hook"));
            assertEquals("DELIVERED", outcome(now, "oncall-mail"));
            assertEquals("DELIVERED", outcome(now, "team-slack"));
        });
    }

    @Test
    void recordOffsetIsCommittedOnceItsDeliveriesAreOverRetriesIncluded() throws Exception {
        CloudEvent failed = failedRun("ledger", "checksum mismatch");
        long offset = producer.send(new ProducerRecord<>(
                        NotifierTestServices.runEvents, failed.subject(), EventCodec.toJson(failed)))
                .get(10, TimeUnit.SECONDS)
                .offset();

        await().atMost(WAIT).until(() -> committedOffset() > offset);

        JsonPath deliveries = asViewer()
                .queryParam("eventId", failed.id())
                .get("/api/v1/deliveries")
                .jsonPath();
        assertEquals(
                List.of("DEAD_LETTERED", "DELIVERED", "DELIVERED", "DELIVERED"),
                deliveries.getList("outcome", String.class).stream().sorted().toList(),
                "committed only when every channel is done, the retried one included");
    }

    @Test
    void malformedEventGoesToTheDeadLetterTopicAndTheConsumerCarriesOn() throws Exception {
        String garbage = "{\"specversion\":\"1.0\", this is not json " + UUID.randomUUID();
        producer.send(new ProducerRecord<>(NotifierTestServices.runEvents, "bad", garbage))
                .get(10, TimeUnit.SECONDS);
        String heartbeat = CODEC.encode(
                EventTypes.AGENT_HEARTBEAT,
                "agent-1",
                Map.of(
                        "agentId",
                        "agent-1",
                        "kind",
                        "POSTGRES",
                        "stores",
                        List.of(),
                        "at",
                        Instant.now().toString()));
        producer.send(new ProducerRecord<>(NotifierTestServices.runEvents, "bad", heartbeat))
                .get(10, TimeUnit.SECONDS);
        CloudEvent after = publish(failedRun("inventory", "disk full"));

        try (TopicReader dlq = new TopicReader(NotifierTestServices.runEventsDlq)) {
            await().atMost(WAIT).pollInSameThread().untilAsserted(() -> {
                List<String> values =
                        dlq.records().stream().map(ConsumerRecord::value).toList();
                assertTrue(values.contains(garbage), "not JSON: dead-lettered");
                assertTrue(values.contains(heartbeat), "not a run event: dead-lettered");
            });
        }
        awaitOne("/ok/hook", after.id());
    }

    @Test
    void eventClassNotRoutedToAChannelIsNotDeliveredThere() throws Exception {
        CloudEvent shopConsistent = publish(run(EventTypes.RUN_CONSISTENT, "shop-nightly", "CONSISTENT", null));
        CloudEvent billingConsistent = publish(run(EventTypes.RUN_CONSISTENT, "billing", "CONSISTENT", null));
        CloudEvent stale = publish(CODEC.wrap(
                EventTypes.PLAN_STALE,
                "billing",
                new PlanEvent("billing", "no CONSISTENT run for 50h (limit 48h)", null, null, Instant.now())));

        // events are consumed in order and each channel delivers in order: once the stale alarm reached the hook,
        // both consistent events were routed and any delivery of theirs to the hook already happened
        awaitOne("/ok/hook", stale.id());
        awaitOne("/ok/hook", shopConsistent.id());
        assertEquals(List.of("ops-hook"), channelsOf(shopConsistent.id()), "consistent goes to the hook only");
        assertEquals(List.of(), channelsOf(billingConsistent.id()), "no route covers billing's consistent runs");
        assertTrue(NotifierTestServices.http
                .requests("/ok/hook", billingConsistent.id())
                .isEmpty());
        assertTrue(NotifierTestServices.http
                .requests(NotifierTestServices.SLACK_PATH, shopConsistent.subject())
                .isEmpty());
        await().atMost(WAIT).until(() -> emailFor(stale.id()) != null);
        assertEquals(null, emailFor(shopConsistent.id()));
    }

    @Test
    void redeliveredEventIdNotifiesOnce() throws Exception {
        CloudEvent failed = failedRun("crm", "timed out");
        String json = EventCodec.toJson(failed);
        producer.send(new ProducerRecord<>(NotifierTestServices.runEvents, "crm", json))
                .get(10, TimeUnit.SECONDS);
        producer.send(new ProducerRecord<>(NotifierTestServices.runEvents, "crm", json))
                .get(10, TimeUnit.SECONDS);
        CloudEvent next = publish(failedRun("crm", "timed out again"));

        awaitOne("/ok/hook", next.id());
        assertEquals(
                1, NotifierTestServices.http.requests("/ok/hook", failed.id()).size());
        assertEquals(
                1,
                asViewer()
                        .queryParam("eventId", failed.id())
                        .queryParam("channel", "ops-hook")
                        .get("/api/v1/deliveries")
                        .jsonPath()
                        .getList("$")
                        .size());
    }

    @Test
    void routesApiShowsTheConfigurationWithoutSecretsOrFullUrls() {
        String body = asViewer()
                .when()
                .get("/api/v1/routes")
                .then()
                .statusCode(200)
                .body(
                        "routes.find { it.name == 'failures' }.events",
                        equalTo(List.of("failed", "drill-failed", "stale")))
                .body("routes.find { it.name == 'shop-ok' }.plans", equalTo(List.of("shop-*")))
                .body("channels.find { it.name == 'ops-hook' }.type", equalTo("webhook"))
                .body("channels.find { it.name == 'ops-hook' }.signed", equalTo(true))
                .body("channels.find { it.name == 'oncall-mail' }.target", equalTo(NotifierTestServices.ONCALL))
                .extract()
                .asString();
        assertFalse(body.contains("whsec"), body);
        assertFalse(body.contains("slacktokensecret"), body);
        assertFalse(body.contains("tenant=ops"), body);
    }

    @Test
    void deliveriesApiRejectsABadLimitWithAProblemDetail() {
        asViewer()
                .queryParam("limit", "lots")
                .when()
                .get("/api/v1/deliveries")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("limit"));
        asViewer()
                .queryParam("outcome", "MAYBE")
                .when()
                .get("/api/v1/deliveries")
                .then()
                .statusCode(400)
                .body("detail", containsString("DEAD_LETTERED"));
    }

    private static CloudEvent failedRun(String plan, String error) {
        return run(EventTypes.RUN_FAILED, plan, "FAILED", error);
    }

    private static CloudEvent run(String type, String plan, String state, String error) {
        Instant at = Instant.now();
        RunEvent run = new RunEvent(
                UUID.randomUUID(),
                plan,
                "BACKUP",
                state,
                null,
                null,
                2L * 1024 * 1024,
                error,
                at,
                at.minusSeconds(250),
                null,
                false);
        return CODEC.wrap(type, run.runId().toString(), run);
    }

    private static CloudEvent publish(CloudEvent event) {
        try {
            producer.send(new ProducerRecord<>(
                            NotifierTestServices.runEvents, event.subject(), EventCodec.toJson(event)))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish a test event", e);
        }
        return event;
    }

    private static HttpReceiver.Received awaitOne(String pathPrefix, String eventId) {
        return await().atMost(WAIT)
                .until(() -> NotifierTestServices.http.requests(pathPrefix, eventId), list -> !list.isEmpty())
                .get(0);
    }

    private static long committedOffset() throws Exception {
        try (Admin admin = NotifierTestServices.admin()) {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(NotifierTestServices.groupId)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS)
                    .get(new TopicPartition(NotifierTestServices.runEvents, 0));
            return committed == null ? -1 : committed.offset();
        }
    }

    private static MimeMessage emailFor(String eventId) throws MessagingException {
        for (MimeMessage message : NotifierTestServices.mail.getReceivedMessages()) {
            String[] ids = message.getHeader("X-Lockstep-Event-Id");
            if (ids != null && Arrays.asList(ids).contains(eventId)) {
                return message;
            }
        }
        return null;
    }

    private static List<String> channelsOf(String eventId) {
        return asViewer()
                .queryParam("eventId", eventId)
                .get("/api/v1/deliveries")
                .jsonPath()
                .getList("channel", String.class)
                .stream()
                .sorted()
                .toList();
    }

    private static String outcome(JsonPath deliveries, String channel) {
        return deliveries.getString("find { it.channel == '" + channel + "' }.outcome");
    }

    /** What a receiver computes, independently of the notifier's code. */
    private static String expectedSignature(String secret, long timestamp, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }
}
