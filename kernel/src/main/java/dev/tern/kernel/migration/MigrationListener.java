package dev.tern.kernel.migration;

/**
 * Hears every status change of a migration, on the migration's own thread, before the migration
 * goes on — so a listener sees the machine exactly at that phase (tests cancel or kill peers here).
 */
@FunctionalInterface
public interface MigrationListener {

    /** The migration entered {@code status}; {@code stats} is taken at that moment. */
    void changed(MigrationStatus status, MigrationStats stats);

    /**
     * A new pass over RAM began: the dirty log was synced for the {@code pass}-th time (QMP's
     * MIGRATION_PASS). Heard on the migration's thread, at most once per sync, possibly later than it.
     */
    default void pass(long pass) {
    }
}
