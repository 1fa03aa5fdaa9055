package dev.tern.kernel.ft;

/** One side of a fault-tolerant pair, as the monitor sees it ({@code info ft}, {@code ft_failover}). */
public sealed interface FtNode permits FtPrimary, FtStandby {

    /** Which side this is. */
    FtRole role();

    /** Where the pair stands. */
    FtState state();

    /** The text of {@code info ft}. */
    String render();
}
