package io.lockstep.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.rest.ApiException;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import org.junit.jupiter.api.Test;

class AdminOptionTest {

    @Test
    void forceNeedsAnAdmin() {
        var operator = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("ci"))
                .addRoles(Roles.implied("operator"))
                .build();
        var refused = assertThrows(ApiException.class, () -> AdminOption.require(operator, "force"));
        assertEquals(403, refused.status());
        assertTrue(refused.getMessage().contains("operator"), refused.getMessage());
        var admin = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("root"))
                .addRoles(Roles.implied("admin"))
                .build();
        AdminOption.require(admin, "force");
    }
}
