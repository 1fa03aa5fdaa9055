package dev.tern.cli;

import dev.tern.kernel.ft.FtNode;
import dev.tern.kernel.ft.FtPrimary;
import dev.tern.kernel.ft.FtStandby;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorCommand;
import dev.tern.kernel.monitor.QmpCommand;
import dev.tern.kernel.monitor.Reply;

import java.util.LinkedHashMap;

/**
 * The fault-tolerance commands: {@code info ft} / {@code x-tern-query-ft} and {@code ft_failover} /
 * {@code x-tern-ft-failover}.
 */
final class FtCommands {

    private final FtNode node;

    FtCommands(FtNode node) {
        this.node = node;
    }

    /** The node now: a standby that took over with {@code reprotect=} is the primary it became. */
    private FtNode current() {
        return node instanceof FtStandby s && s.successor() != null ? s.successor() : node;
    }

    /** Adds the commands, in their human and QMP forms, to {@code monitor}. */
    void registerOn(Monitor monitor) {
        monitor.register(MonitorCommand.of("info ft",
                "fault tolerance: role, state, checkpoints by cause, last pause, bytes sent, lag", this::info));
        monitor.register(MonitorCommand.of("ft_failover",
                "planned switch-over: a last checkpoint, then the standby runs the guest and this process stops",
                this::failover));
        monitor.registerQmp(QmpCommand.of("x-tern-query-ft", this::info));
        monitor.registerQmp(QmpCommand.of("x-tern-ft-failover", this::failover));
    }

    /** The node's report; QMP gets {@code enabled}, {@code role} and the report as {@code text}. */
    private Reply info() {
        FtNode node = current();
        var m = new LinkedHashMap<String, Object>();
        m.put("enabled", node != null);
        String text = node == null ? "fault tolerance is off (tern run --ft ...)\n" : node.render();
        if (node != null) {
            m.put("role", node.role().label());
        }
        m.put("text", text);
        return new Reply.Text(text, m);
    }

    private Reply failover() throws InterruptedException {
        FtNode node = current();
        if (!(node instanceof FtPrimary primary)) {
            throw new IllegalStateException(node == null ? "fault tolerance is off"
                    : "ft_failover runs on the primary; this is the " + node.role().label());
        }
        String outcome = primary.failover();
        var m = new LinkedHashMap<String, Object>();
        m.put("outcome", outcome);
        return new Reply.Text(outcome + "\n", m);
    }
}
