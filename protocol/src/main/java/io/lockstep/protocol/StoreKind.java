package io.lockstep.protocol;

/** The kinds of store Lockstep protects; one agent kind serves each. */
public enum StoreKind {
    POSTGRES,
    OBJECTSTORE,
    SEARCH
}
