package io.lockstep.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A key a schedule or an injection point reads under a {@code @ConfigMapping}'s prefix must be declared in that
 * mapping: otherwise setting it, as the README invites, stops the service at start ("SRCFG00050 ... does not map to
 * any root"). The agents' sweeper settings and the coordinator's {@code feed-check-every} were such keys.
 */
class KeysReadInCodeTest {

    @Test
    void everyKeyReadInCodeUnderAMappingPrefixIsDeclaredInTheMapping() {
        List<String> undeclared = new ArrayList<>();
        for (String service : ServiceConfigKeys.MODULES.keySet()) {
            ServiceConfigKeys keys = ServiceConfigKeys.of(DeployFiles.root(), service);
            for (String key : ServiceConfigKeys.readInCode(DeployFiles.root(), service)) {
                if (!keys.declaredIfMapped(key)) {
                    undeclared.add(service + ": " + key);
                }
            }
        }
        assertEquals(List.of(), undeclared);
    }

    @Test
    void theScanFindsTheSchedulesKeysAndTheCheckRefusesAMisspeltOne() {
        Set<String> agentKeys = ServiceConfigKeys.readInCode(DeployFiles.root(), "postgres-agent");
        assertTrue(agentKeys.contains("lockstep.agent.sweep-every"), agentKeys.toString());
        assertTrue(agentKeys.contains("lockstep.agent.heartbeat-interval"), agentKeys.toString());
        ServiceConfigKeys keys = ServiceConfigKeys.of(DeployFiles.root(), "postgres-agent");
        assertTrue(keys.declaredIfMapped("lockstep.agent.sweep-every"));
        assertFalse(keys.declaredIfMapped("lockstep.agent.sweep-evry"));
        assertTrue(keys.declaredIfMapped("lockstep.test.pause-at"), "no mapping owns lockstep.test");
    }
}
