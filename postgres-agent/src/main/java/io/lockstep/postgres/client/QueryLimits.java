package io.lockstep.postgres.client;

import io.lockstep.postgres.config.PostgresAgentConfig;
import java.time.Duration;

/**
 * Timeouts of the read-only sessions that run a plan's SQL ({@link ReadOnlySession}).
 *
 * @param queryTimeout {@code statement_timeout} of a reference query
 * @param censusTimeout {@code statement_timeout} of each statement of the table census
 * @param idleInTransactionTimeout {@code idle_in_transaction_session_timeout} of every such session
 */
public record QueryLimits(Duration queryTimeout, Duration censusTimeout, Duration idleInTransactionTimeout) {

    public QueryLimits {
        for (Duration d : new Duration[] {queryTimeout, censusTimeout, idleInTransactionTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("query timeouts must be positive (0 would mean no limit), not " + d);
            }
        }
    }

    public static QueryLimits of(PostgresAgentConfig config) {
        return new QueryLimits(config.queryTimeout(), config.censusTimeout(), config.idleInTransactionTimeout());
    }
}
