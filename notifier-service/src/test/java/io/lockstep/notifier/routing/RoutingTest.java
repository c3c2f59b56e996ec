package io.lockstep.notifier.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.notifier.config.NotifierConfig;
import io.lockstep.protocol.EventTypes;
import io.lockstep.protocol.RunEvent;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutingTest {

    private static final String P = "lockstep.notifier.";

    private static Routing routing(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(NotifierConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build();
        return Routing.from(config.getConfigMapping(NotifierConfig.class));
    }

    private static Map<String, String> twoChannels() {
        Map<String, String> p = new HashMap<>();
        p.put(P + "channels.hook.type", "webhook");
        p.put(P + "channels.hook.url", "https://ops.example.com/hooks/lockstep?token=abc123");
        p.put(P + "channels.hook.secret", "whsec-do-not-show");
        p.put(P + "channels.mail.type", "email");
        p.put(P + "channels.mail.to", "oncall@example.com, dba@example.com");
        return p;
    }

    private static List<String> names(List<ChannelSpec> channels) {
        return channels.stream().map(ChannelSpec::name).toList();
    }

    @Test
    void failuresOfEveryPlanAndSuccessesOfShopPlansGoWhereTheRoutesSay() {
        Map<String, String> p = twoChannels();
        p.put(P + "routes.failures.events", "failed,drill-failed,stale");
        p.put(P + "routes.failures.channels", "hook,mail");
        p.put(P + "routes.shop-ok.plans", "shop-*");
        p.put(P + "routes.shop-ok.events", "consistent");
        p.put(P + "routes.shop-ok.channels", "hook");
        Routing routing = routing(p);

        assertEquals(List.of("hook", "mail"), names(routing.channelsFor("billing", EventClass.FAILED)));
        assertEquals(List.of("hook", "mail"), names(routing.channelsFor("billing", EventClass.STALE)));
        assertEquals(List.of("hook"), names(routing.channelsFor("shop-nightly", EventClass.CONSISTENT)));
        assertEquals(List.of(), names(routing.channelsFor("billing", EventClass.CONSISTENT)));
        assertEquals(List.of(), names(routing.channelsFor("shop-nightly", EventClass.STARTED)));
    }

    @Test
    void aChannelNamedByTwoMatchingRoutesGetsTheEventOnce() {
        Map<String, String> p = twoChannels();
        p.put(P + "routes.all.events", "*");
        p.put(P + "routes.all.channels", "hook");
        p.put(P + "routes.failures.events", "failed");
        p.put(P + "routes.failures.channels", "mail,hook");
        assertEquals(List.of("hook", "mail"), names(routing(p).channelsFor("x", EventClass.FAILED)));
    }

    @Test
    void configurationMistakesStopStartupWithTheKeyToFix() {
        Map<String, String> unknownChannel = twoChannels();
        unknownChannel.put(P + "routes.r.events", "failed");
        unknownChannel.put(P + "routes.r.channels", "pager");
        assertTrue(assertThrows(Routing.InvalidRoutingException.class, () -> routing(unknownChannel))
                .getMessage()
                .contains("unknown channel 'pager'"));

        Map<String, String> unknownClass = twoChannels();
        unknownClass.put(P + "routes.r.events", "exploded");
        unknownClass.put(P + "routes.r.channels", "hook");
        assertTrue(assertThrows(Routing.InvalidRoutingException.class, () -> routing(unknownClass))
                .getMessage()
                .contains("unknown event class 'exploded'"));

        Map<String, String> unsigned = twoChannels();
        unsigned.remove(P + "channels.hook.secret");
        assertTrue(assertThrows(Routing.InvalidRoutingException.class, () -> routing(unsigned))
                .getMessage()
                .contains("LOCKSTEP_NOTIFIER_CHANNELS_HOOK_SECRET"));

        Map<String, String> badType = twoChannels();
        badType.put(P + "channels.mail.type", "pigeon");
        assertThrows(Routing.InvalidRoutingException.class, () -> routing(badType));
    }

    @Test
    void theSecretComesFromAFileAndNeverShowsInTextOrTarget(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hook.secret");
        Files.writeString(file, "whsec-from-file\n");
        Map<String, String> p = twoChannels();
        p.remove(P + "channels.hook.secret");
        p.put(P + "channels.hook.secret-file", file.toString());

        ChannelSpec hook = routing(p).channels().get("hook");

        assertEquals("whsec-from-file", new String(hook.secret().bytes(), java.nio.charset.StandardCharsets.UTF_8));
        assertFalse(hook.toString().contains("whsec"), hook.toString());
        assertFalse(hook.toString().contains("abc123"), hook.toString());
        assertEquals("https://ops.example.com/...", hook.target());
        assertEquals(
                "cannot reach https://ops.example.com/... (token ****)",
                hook.scrub("cannot reach https://ops.example.com/hooks/lockstep?token=abc123 (token whsec-from-file)"));
    }

    @Test
    void eachPublicEventTypeFallsIntoOneClassAndDrillsAreNotRestores() {
        RunEvent backup = run("BACKUP");
        RunEvent drill = run("DRILL");
        RunEvent restore = run("RESTORE");
        assertEquals(
                EventClass.FAILED, EventClass.of(EventTypes.RUN_FAILED, backup).orElseThrow());
        assertEquals(
                EventClass.CONSISTENT,
                EventClass.of(EventTypes.RUN_CONSISTENT, backup).orElseThrow());
        assertEquals(
                EventClass.DRILL_FAILED,
                EventClass.of(EventTypes.RUN_VERIFICATION_FAILED, backup).orElseThrow());
        assertEquals(
                EventClass.DRILL_FAILED,
                EventClass.of(EventTypes.RESTORE_FAILED, drill).orElseThrow());
        assertEquals(
                EventClass.DRILL,
                EventClass.of(EventTypes.RESTORE_SUCCEEDED, drill).orElseThrow());
        assertEquals(
                EventClass.RESTORE,
                EventClass.of(EventTypes.RESTORE_FAILED, restore).orElseThrow());
        assertEquals(
                EventClass.EXPIRED,
                EventClass.of(EventTypes.RUN_EXPIRED, backup).orElseThrow());
        assertEquals(
                EventClass.STALE, EventClass.of(EventTypes.PLAN_STALE, null).orElseThrow());
        assertEquals(
                EventClass.SKIPPED, EventClass.of(EventTypes.RUN_SKIPPED, null).orElseThrow());
        assertTrue(EventClass.of(EventTypes.AGENT_HEARTBEAT, null).isEmpty());
    }

    private static RunEvent run(String type) {
        return new RunEvent(UUID.randomUUID(), "p", type, "X", null, null, 0, null, Instant.now(), null, null, false);
    }
}
