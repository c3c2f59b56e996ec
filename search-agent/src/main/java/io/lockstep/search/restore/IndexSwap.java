package io.lockstep.search.restore;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.HealthStatus;
import co.elastic.clients.elasticsearch._types.Time;
import co.elastic.clients.elasticsearch.indices.AliasDefinition;
import co.elastic.clients.elasticsearch.indices.update_aliases.Action;
import co.elastic.clients.json.JsonData;
import io.lockstep.agent.core.command.StepFailure;
import io.lockstep.agent.core.testing.TestPause;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The in-place swap of a search restore: the snapshot is first restored beside the live indices under temporary names
 * ({@code lsrestore-<tag>-<index>}), and only once every shard came back and every index holds the document count the
 * backup recorded is a live index replaced, one at a time:
 *
 * <ol>
 * <li>the temporary index gets a write block (the clone API needs it);
 * <li>one {@code _aliases} request moves the live index's aliases to the temporary one and deletes the live index
 * ({@code remove_index}), atomically: readers of an alias never see it empty;
 * <li>the temporary index is cloned to the live name ({@code _clone}: hard links on the same node, no copy of the
 * data), without the write block;
 * <li>one {@code _aliases} request moves the aliases to the new live index and deletes the temporary one.
 * </ol>
 *
 * A snapshot that cannot be restored (a damaged or missing file, a failed shard, a wrong count) therefore leaves the
 * live indices untouched; only the temporary ones are deleted. If the agent dies after a live index was deleted, the
 * temporary index still holds the verified copy and the aliases: {@link #repair}, at the agent's start, finishes the
 * swap (clone to the live name, move the aliases back, delete the temporary index), and deletes temporary indices
 * whose live index is still there.
 */
final class IndexSwap {

    /** Temporary indices are named {@code lsrestore-<tag>-<index>}; the tag is 8 characters of the step id. */
    static final String PREFIX = "lsrestore-";

    private static final Pattern TEMPORARY = Pattern.compile("lsrestore-([0-9a-f]{8})-(.+)");
    static final String PAUSE_LIVE_DELETED = "search-restore-live-deleted";

    private IndexSwap() {}

    static String temporary(String tag, String live) {
        return PREFIX + tag + "-" + live;
    }

    /** The live index a temporary index stands for, if {@code name} is one. */
    static Optional<String> liveOf(String name) {
        var m = TEMPORARY.matcher(name);
        return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
    }

    /** The tag (of the step) in a temporary index's name, if {@code name} is one. */
    static Optional<String> tagOf(String name) {
        var m = TEMPORARY.matcher(name);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Replaces {@code live} with the verified {@code temporary}; the live index may be missing. */
    static void swap(ElasticsearchClient es, String temporary, String live) throws IOException, StepFailure {
        Map<String, AliasDefinition> aliases = aliases(es, live);
        if (aliases != null) {
            List<Action> actions = new ArrayList<>(add(temporary, aliases));
            actions.add(Action.of(a -> a.removeIndex(r -> r.index(live))));
            es.indices().updateAliases(u -> u.actions(actions));
        }
        TestPause.at(PAUSE_LIVE_DELETED);
        cloneBack(es, temporary, live);
    }

    /** Clones the (write-blocked) temporary index to the live name and hands its aliases over. */
    static void cloneBack(ElasticsearchClient es, String temporary, String live) throws IOException, StepFailure {
        if (aliases(es, live) == null) {
            block(es, temporary);
            // _clone copies the settings but the replicas: those are carried over explicitly
            var state =
                    es.indices().getSettings(g -> g.index(temporary)).result().get(temporary);
            var settings = state == null ? null : state.settings();
            var index = settings == null ? null : (settings.index() != null ? settings.index() : settings);
            Map<String, JsonData> cloneSettings = new java.util.HashMap<>();
            cloneSettings.put("index.blocks.write", JsonData.of(false));
            if (index != null && index.numberOfReplicas() != null) {
                cloneSettings.put("index.number_of_replicas", JsonData.of(index.numberOfReplicas()));
            }
            if (index != null && index.autoExpandReplicas() != null) {
                cloneSettings.put("index.auto_expand_replicas", JsonData.of(index.autoExpandReplicas()));
            }
            es.indices()
                    .clone(c -> c.index(temporary)
                            .target(live)
                            .settings(cloneSettings)
                            .waitForActiveShards(w -> w.count(1))
                            .timeout(Time.of(t -> t.time("5m"))));
        }
        awaitPrimaries(es, live);
        Map<String, AliasDefinition> aliases = aliases(es, temporary);
        List<Action> actions = new ArrayList<>(add(live, aliases == null ? Map.of() : aliases));
        actions.add(Action.of(a -> a.removeIndex(r -> r.index(temporary))));
        es.indices().updateAliases(u -> u.actions(actions));
    }

    /**
     * Finishes or drops what an interrupted in-place restore left on the cluster, for each temporary index whose live
     * index {@code ours} accepts. A temporary index with a write block was verified before anything was replaced: if
     * its live index is missing it is cloned back to the live name. Any other temporary index is deleted (its aliases,
     * if it holds some, handed to the live index). Returns what it did.
     */
    static List<String> repair(
            ElasticsearchClient es, java.util.function.Predicate<String> ours, java.util.Set<String> running)
            throws IOException, StepFailure {
        List<String> done = new ArrayList<>();
        var found = es.indices()
                .get(g -> g.index(PREFIX + "*")
                        .expandWildcards(co.elastic.clients.elasticsearch._types.ExpandWildcard.All));
        for (var entry : found.result().entrySet()) {
            String temporary = entry.getKey();
            Optional<String> live = liveOf(temporary);
            if (live.isEmpty()
                    || !ours.test(live.get())
                    || running.contains(tagOf(temporary).orElse(""))) {
                continue;
            }
            boolean liveThere = aliases(es, live.get()) != null;
            if (liveThere || verified(entry.getValue())) {
                cloneBack(es, temporary, live.get());
                done.add(
                        liveThere
                                ? "deleted " + temporary + ", left by an interrupted restore of " + live.get()
                                : "index " + live.get()
                                        + " was missing after an interrupted restore: cloned back from the "
                                        + "verified copy " + temporary);
            } else {
                // Never deleted: with the live index missing it may be the only copy there is.
                done.add("left " + temporary + " for an operator: index " + live.get() + " is missing and the copy "
                        + "was not verified");
            }
        }
        return done;
    }

    /** Whether the temporary index was verified: the swap sets its write block only after the counts matched. */
    private static boolean verified(co.elastic.clients.elasticsearch.indices.IndexState state) {
        var settings = state.settings();
        if (settings == null) {
            return false;
        }
        var blocks = settings.index() != null ? settings.index().blocks() : settings.blocks();
        return blocks != null && Boolean.TRUE.equals(blocks.write());
    }

    /** Marks a restored temporary index verified: a write block, which the clone API needs anyway. */
    static void markVerified(ElasticsearchClient es, String temporary) throws IOException {
        block(es, temporary);
    }

    private static void block(ElasticsearchClient es, String index) throws IOException {
        es.indices().putSettings(p -> p.index(index).settings(s -> s.blocks(b -> b.write(true))));
    }

    /** Waits until the index's primary shards are active (yellow), at most 5 minutes. */
    private static void awaitPrimaries(ElasticsearchClient es, String index) throws IOException, StepFailure {
        var health = es.cluster()
                .health(h -> h.index(index).waitForStatus(HealthStatus.Yellow).timeout(t -> t.time("5m")));
        if (health.timedOut()) {
            throw new StepFailure("index " + index + " did not become available within 5 minutes after its clone");
        }
    }

    /** The index's aliases; null if the index does not exist. */
    static Map<String, AliasDefinition> aliases(ElasticsearchClient es, String index) throws IOException {
        if (!es.indices().exists(e -> e.index(index)).value()) {
            return null;
        }
        var response = es.indices().getAlias(g -> g.index(index));
        var entry = response.result().get(index);
        return entry == null ? Map.of() : entry.aliases();
    }

    private static List<Action> add(String index, Map<String, AliasDefinition> aliases) {
        List<Action> actions = new ArrayList<>();
        aliases.forEach((name, def) -> actions.add(Action.of(a -> a.add(add -> {
            add.index(index).alias(name);
            if (def.filter() != null) {
                add.filter(def.filter());
            }
            if (def.indexRouting() != null) {
                add.indexRouting(def.indexRouting());
            }
            if (def.searchRouting() != null) {
                add.searchRouting(def.searchRouting());
            }
            if (def.isWriteIndex() != null) {
                add.isWriteIndex(def.isWriteIndex());
            }
            if (def.isHidden() != null) {
                add.isHidden(def.isHidden());
            }
            return add;
        }))));
        return actions;
    }
}
