package io.lockstep.coordinator.messaging;

import io.lockstep.protocol.MalformedEventException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tells a failure that will go away by itself (the catalog unreachable or restarting, a connection cut, a
 * serialization failure, a deadlock, a lock timeout, the pool out of connections) from one that will not (a
 * malformed event, a bug). Only the first kind is worth waiting for: an event failed by it is valid and must not
 * be dead-lettered.
 */
final class TransientFailures {

    /**
     * SQLSTATE classes and codes that mean "try again later": 08 connection exceptions, 53 insufficient
     * resources, 57 operator intervention (admin shutdown, {@code pg_terminate_backend}, cannot connect now), 40
     * transaction rollback (serialization failure, deadlock), 55P03 lock not available, 55000 (among others
     * "database is not currently accepting connections"), 55006 object in use.
     */
    private static final Set<String> CLASSES = Set.of("08", "53", "57", "40");

    private static final Set<String> CODES = Set.of("55P03", "55000", "55006");

    private TransientFailures() {}

    static boolean isTransient(Throwable failure) {
        Map<Throwable, Boolean> visited = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && visited.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (t instanceof MalformedEventException) {
                return false;
            }
            if (transientHere(t)) {
                return true;
            }
            if (t instanceof SQLException sql) {
                for (SQLException next = sql.getNextException();
                        next != null && visited.put(next, Boolean.TRUE) == null;
                        next = next.getNextException()) {
                    if (transientHere(next)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean transientHere(Throwable t) {
        String name = t.getClass().getName();
        // Hibernate's translations of connection failures and lock conflicts (named, so no compile-time coupling).
        if (name.equals("org.hibernate.exception.JDBCConnectionException")
                || name.equals("org.hibernate.exception.LockAcquisitionException")
                || name.equals("org.hibernate.exception.LockTimeoutException")
                || name.equals("org.hibernate.PessimisticLockException")
                || name.equals("jakarta.persistence.PessimisticLockException")
                || name.equals("jakarta.persistence.LockTimeoutException")
                || name.equals("jakarta.persistence.QueryTimeoutException")) {
            return true;
        }
        if (t instanceof SQLTransientException
                || t instanceof SQLRecoverableException
                || t instanceof SQLNonTransientConnectionException) {
            return true;
        }
        if (t instanceof SQLException sql) {
            String state = sql.getSQLState();
            if (state == null) {
                // Agroal's "Acquisition timeout while waiting for new connection" and the like carry no state.
                return true;
            }
            return (state.length() >= 2 && CLASSES.contains(state.substring(0, 2))) || CODES.contains(state);
        }
        return false;
    }
}
