package io.lockstep.search.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Elasticsearch clusters this agent protects. Example:
 *
 * <pre>
 * lockstep.search.stores.docs.url=http://127.0.0.1:9200
 * lockstep.search.stores.docs.indices=documents
 * lockstep.search.stores.docs.repository=lockstep
 * lockstep.search.stores.docs.repository-location=/var/lib/elasticsearch/snapshots/lockstep
 * lockstep.search.stores.docs.quiesce-url=http://indexer:8080/pause
 * lockstep.search.stores.docs.resume-url=http://indexer:8080/resume
 * </pre>
 */
@ConfigMapping(prefix = "lockstep.search")
public interface SearchAgentConfig {

    Map<String, Store> stores();

    /** How long one hook call may take. */
    @WithDefault("30s")
    Duration hookTimeout();

    interface Store {
        URI url();

        Optional<String> username();

        /** Set through LOCKSTEP_SEARCH_STORES_<ID>_PASSWORD or {@code password-file}; never in a committed file. */
        Optional<String> password();

        /** A file whose first line is the password; wins over {@code password}. */
        Optional<Path> passwordFile();

        /** The indices a backup covers; they are write-blocked while quiesced. */
        List<String> indices();

        /** Name of the snapshot repository in the cluster; registered if missing. */
        @WithDefault("lockstep")
        String repository();

        /**
         * For an {@code fs} repository: its location, a directory under the cluster's {@code path.repo} that this
         * agent can read. Its files are copied into {@code search/<store>/} of the backup repository.
         */
        Path repositoryLocation();

        /** Called (POST) to pause the application's indexer, before the write blocks. */
        Optional<URI> quiesceUrl();

        /** Called (POST) to resume the application's indexer, after the write blocks are gone. */
        Optional<URI> resumeUrl();

        /** A command (split on spaces, no shell) that pauses the indexer. */
        Optional<String> quiesceCommand();

        /** A command (split on spaces, no shell) that resumes the indexer. */
        Optional<String> resumeCommand();
    }
}
