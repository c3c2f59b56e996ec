package io.lockstep.search.client;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import io.lockstep.agent.core.process.Redactor;
import io.lockstep.search.config.SearchAgentConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Elasticsearch calls backups and restores share, and how their failures read. */
public final class SearchCalls {

    private SearchCalls() {}

    /** Registers the store's {@code fs} snapshot repository (idempotent). */
    public static void registerRepository(ElasticsearchClient es, SearchAgentConfig.Store store) throws IOException {
        es.snapshot()
                .createRepository(r -> r.name(store.repository())
                        .repository(rep -> rep.fs(fs -> fs.settings(
                                s -> s.location(store.repositoryLocation().toString())))));
    }

    /** The names among {@code names} that are existing indices. */
    public static List<String> existing(ElasticsearchClient es, List<String> names) throws IOException {
        List<String> existing = new ArrayList<>();
        for (String name : names) {
            if (es.indices().exists(e -> e.index(name)).value()) {
                existing.add(name);
            }
        }
        return existing;
    }

    /** Document counts of the given concrete indices, refreshed first. */
    public static Map<String, Long> counts(ElasticsearchClient es, List<String> indices) throws IOException {
        Map<String, Long> counts = new LinkedHashMap<>();
        if (indices.isEmpty()) {
            return counts;
        }
        es.indices().refresh(r -> r.index(indices));
        for (String index : indices) {
            counts.put(index, es.count(c -> c.index(index)).count());
        }
        return counts;
    }

    /** A snapshot's user indices (not the dot-prefixed system ones), sorted. */
    public static List<String> userIndices(List<String> indices) {
        return indices.stream().filter(i -> !i.startsWith(".")).sorted().toList();
    }

    /** A readable reason for a failed Elasticsearch call, with credential-shaped text masked. */
    public static String reason(Exception e) {
        String message = e instanceof ElasticsearchException ee && ee.error() != null
                ? ee.error().type() + ": " + ee.error().reason()
                : e.getMessage();
        return Redactor.redact(message, List.of());
    }
}
