package io.lockstep.coordinator.audit;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.BlockingOperationControl;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Writes audit entries, each in a transaction of its own. On a worker thread the entry is committed before the
 * answer leaves; a call answered on the event loop (refused before it reached a worker) is written on a
 * dedicated thread instead, since the event loop must not block on the catalog.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger LOG = Logger.getLogger(AuditLog.class);

    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lockstep-audit-writer");
        t.setDaemon(true);
        return t;
    });

    public void record(AuditEntry entry) {
        if (BlockingOperationControl.isBlockingAllowed()) {
            write(entry);
        } else {
            writer.execute(() -> {
                try {
                    write(entry);
                } catch (RuntimeException e) {
                    LOG.errorf(
                            e,
                            "could not record the audit entry for %s %s (status %d)",
                            entry.method,
                            entry.path,
                            entry.status);
                }
            });
        }
    }

    private static void write(AuditEntry entry) {
        QuarkusTransaction.requiringNew().run(entry::persist);
    }

    void shutdown(@Observes ShutdownEvent event) {
        writer.shutdown();
    }
}
