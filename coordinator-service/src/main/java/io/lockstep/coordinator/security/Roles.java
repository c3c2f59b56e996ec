package io.lockstep.coordinator.security;

import io.lockstep.coordinator.rest.ApiException;
import io.quarkus.security.identity.SecurityIdentity;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The API's roles. They are hierarchical: an operator may do what a viewer may, an admin what an operator may.
 * {@link RoleHierarchyAugmentor} adds the implied roles to every identity, so a resource method names only the
 * least role it needs: {@code @RolesAllowed(Roles.VIEWER)} for reads, {@code OPERATOR} for plans, backups and
 * verifications, {@code ADMIN} for restores, deleting runs, {@code force} and the audit log.
 */
public final class Roles {

    public static final String VIEWER = "viewer";
    public static final String OPERATOR = "operator";
    public static final String ADMIN = "admin";

    /** From the most to the least powerful. */
    public static final List<String> ALL = List.of(ADMIN, OPERATOR, VIEWER);

    private Roles() {}

    /** The role itself and every role it implies; empty for a name that is not a Lockstep role. */
    public static Set<String> implied(String role) {
        return switch (role) {
            case ADMIN -> Set.of(ADMIN, OPERATOR, VIEWER);
            case OPERATOR -> Set.of(OPERATOR, VIEWER);
            case VIEWER -> Set.of(VIEWER);
            default -> Set.of();
        };
    }

    public static boolean isRole(String name) {
        return ALL.contains(name);
    }

    /**
     * For an admin-only option inside an endpoint a lesser role may call (for example {@code "force": true}):
     * 403 unless the caller is an admin. Inject {@code SecurityIdentity} into the resource to call it.
     */
    public static void requireAdmin(SecurityIdentity identity, String what) {
        if (!identity.hasRole(ADMIN)) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    what + " needs the " + ADMIN + " role; this token's role is "
                            + highest(identity.getRoles()).orElse("none"));
        }
    }

    /** The most powerful Lockstep role among {@code roles}, if any. */
    public static Optional<String> highest(Set<String> roles) {
        return ALL.stream().filter(roles::contains).findFirst();
    }
}
