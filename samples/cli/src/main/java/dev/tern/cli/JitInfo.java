package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorCommand;
import dev.tern.kernel.monitor.QmpCommand;
import dev.tern.kernel.monitor.Reply;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.x86.X86Cpu;
import dev.tern.x86.jit.TierStats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each vCPU's execution tier did, as the monitors show it: HMP {@code info jit} and QMP
 * {@code x-query-jit} (QEMU's names for its TCG statistics; QMP gets the text as QEMU's
 * {@code HumanReadableText}). A vCPU that only interprets says so; one with the compiling tier gives
 * its {@link TierStats}: translations made and live, code-cache bytes, translation time, the
 * instructions run translated and chained, and the commonest causes of refusals and exits.
 */
record JitInfo(List<String> vcpus) implements Reply {

    /** Causes listed per kind: enough to show where the subset ends without flooding the monitor. */
    private static final int TOP = 5;

    static void registerOn(Monitor monitor, Machine machine) {
        monitor.register(MonitorCommand.of("info jit", "the execution tier of each vCPU and what its compiling tier did",
                () -> of(machine)));
        monitor.registerQmp(QmpCommand.of("x-query-jit", () -> of(machine)));
    }

    /**
     * Each vCPU's tier now. The counters of a running vCPU are read as they are (a moment's view,
     * as {@link X86Cpu#tierStats()} says), so asking never stops the guest.
     */
    static JitInfo of(Machine machine) {
        var lines = new ArrayList<String>();
        List<Vcpu> vcpus = machine.vcpus();
        for (int i = 0; i < vcpus.size(); i++) {
            lines.add(describe(i, vcpus.get(i)));
        }
        return new JitInfo(List.copyOf(lines));
    }

    private static String describe(int index, Vcpu vcpu) {
        String head = "CPU#" + index + ": ";
        if (!(vcpu instanceof X86Cpu x)) {
            return head + "no compiling tier (" + vcpu.getClass().getSimpleName() + ")";
        }
        TierStats t = x.tierStats();
        if (t == null) {
            return head + "tier interp, " + String.format(Locale.ROOT, "%,d", x.instructionCount()) + " instructions";
        }
        long all = x.instructionCount();
        StringBuilder s = new StringBuilder(head).append("tier jit, ").append(String.format(Locale.ROOT,
                "%,d instructions, %.1f %% of them translated", all, all == 0 ? 0.0 : 100.0 * t.instructions() / all));
        s.append("\n  ").append(t.summary());
        causes(s, "mid-block exits", t.exits());
        causes(s, "refused, by first instruction outside the subset", t.refused());
        causes(s, "partial, by first instruction left out", t.partial());
        return s.toString();
    }

    private static void causes(StringBuilder s, String kind, Map<String, Long> counts) {
        if (!counts.isEmpty()) {
            s.append("\n  ").append(kind).append(": ").append(TierStats.top(counts, TOP));
        }
    }

    @Override
    public String human() {
        return String.join("\n", vcpus) + "\n";
    }

    @Override
    public Object qmp() {
        var text = new LinkedHashMap<String, Object>();
        text.put("human-readable-text", human());
        return text;
    }
}
