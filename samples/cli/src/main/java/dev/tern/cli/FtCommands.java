package dev.tern.cli;

import dev.tern.kernel.ft.FtNode;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorCommand;

/** The fault-tolerance commands of the human monitor: {@code info ft} and {@code ft_failover}. */
final class FtCommands {

    private final FtNode node;

    FtCommands(FtNode node) {
        this.node = node;
    }

    /** Adds the commands to {@code monitor}. */
    void registerOn(Monitor monitor) {
        monitor.register(MonitorCommand.of("info ft",
                "fault tolerance: role, state, checkpoints by cause, last pause, bytes sent, lag",
                () -> node == null ? "fault tolerance is off (tern run --ft ...)\n" : node.render()));
        monitor.register(MonitorCommand.of("ft_failover",
                "planned switch-over: a last checkpoint, then the standby runs the guest and this process stops", () -> {
                    if (!(node instanceof FtPrimary primary)) {
                        throw new IllegalStateException(node == null ? "fault tolerance is off"
                                : "ft_failover runs on the primary; this is the " + node.role().label());
                    }
                    return primary.failover() + "\n";
                }));
    }
}
