package io.lockstep.coordinator.security;

import io.lockstep.auth.Roles;
import io.lockstep.coordinator.rest.ApiException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * For an admin-only option inside an endpoint a lesser role may call (for example {@code "force": true}): the
 * tokens, roles and their hierarchy are api-auth's ({@link Roles}); this check answers in the coordinator's problem
 * details.
 */
public final class AdminOption {

    private AdminOption() {}

    /** 403 unless the caller is an admin. Inject {@code SecurityIdentity} into the resource to call it. */
    public static void require(SecurityIdentity identity, String what) {
        if (!identity.hasRole(Roles.ADMIN)) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    what + " needs the " + Roles.ADMIN + " role; this token's role is "
                            + Roles.highest(identity.getRoles()).orElse("none"));
        }
    }
}
