package io.lockstep.auth;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The roles of Lockstep's HTTP APIs, the coordinator's and the notifier's. They are hierarchical: an operator may do
 * what a viewer may, an admin what an operator may. {@link RoleHierarchyAugmentor} adds the implied roles to every
 * identity, so a resource method names only the least role it needs: {@code @RolesAllowed(Roles.VIEWER)} for reads,
 * {@code OPERATOR} for plans, backups and verifications, {@code ADMIN} for restores, deleting runs, {@code force}
 * and the audit log. The notifier's read-only API needs {@code VIEWER}.
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

    /** The most powerful Lockstep role among {@code roles}, if any. */
    public static Optional<String> highest(Set<String> roles) {
        return ALL.stream().filter(roles::contains).findFirst();
    }
}
