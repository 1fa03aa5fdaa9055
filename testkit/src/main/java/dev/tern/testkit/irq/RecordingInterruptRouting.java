package dev.tern.testkit.irq;

import dev.tern.spi.Registration;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.irq.InterruptRouting;

import dev.tern.spi.irq.CpuInterruptPort;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Interrupt wiring for tests: records the level of every global interrupt line and counts rising
 * edges, forwards level changes to a claiming controller, and records the CPU INTR pin. With
 * {@link #setCpuCount} it also offers per-vCPU inputs ({@link RecordingCpuPort}) to controllers that
 * deliver to a chosen CPU.
 */
public final class RecordingInterruptRouting implements InterruptRouting {

    /** Lines 0..{@value} exist. */
    public static final int GSI_COUNT = 64;

    private final boolean[] levels = new boolean[GSI_COUNT];
    private final int[] risingEdges = new int[GSI_COUNT];
    private final InterruptSink[] sinks = new InterruptSink[GSI_COUNT];
    private final int[] sinkBase = new int[GSI_COUNT];
    private InterruptController controller;
    private final List<RecordingCpuPort> cpuPorts = new ArrayList<>();
    private int cpuCount = 1;
    private boolean intr;
    private int intrRisingEdges;
    private InterruptLine virtualWire;
    private final List<Map.Entry<Integer, InterruptSink>> taps = new ArrayList<>();

    @Override
    public InterruptLine line(int gsi) {
        check(gsi);
        return level -> set(gsi, level);
    }

    private void set(int gsi, boolean level) {
        InterruptSink sink;
        synchronized (this) {
            if (levels[gsi] == level) {
                return;
            }
            levels[gsi] = level;
            if (level) {
                risingEdges[gsi]++;
            }
            sink = sinks[gsi];
        }
        if (sink != null) {
            sink.set(gsi - sinkBase[gsi], level);
        }
        List<Map.Entry<Integer, InterruptSink>> heard;
        synchronized (this) {
            heard = List.copyOf(taps);
        }
        for (var t : heard) {
            int index = gsi - t.getKey();
            if (index >= 0 && index < GSI_COUNT) {
                t.getValue().set(index, level);
            }
        }
    }

    /** Taps see every line from {@code firstGsi} on (the count is not enforced here). */
    @Override
    public Registration tap(String owner, int firstGsi, int count, InterruptSink sink) {
        var entry = Map.entry(firstGsi, Objects.requireNonNull(sink, "sink"));
        boolean[] initial;
        synchronized (this) {
            check(firstGsi);
            check(firstGsi + count - 1);
            taps.add(entry);
            initial = Arrays.copyOfRange(levels, firstGsi, firstGsi + count);
        }
        for (int i = 0; i < count; i++) {
            if (initial[i]) {
                sink.set(i, true);
            }
        }
        return () -> {
            synchronized (this) {
                taps.remove(entry);
            }
        };
    }

    /** The INTR of {@link #connectCpu(InterruptController)} also drives {@code wire}; acknowledges reach that controller. */
    @Override
    public synchronized InterruptController connectVirtualWire(InterruptLine wire) {
        virtualWire = Objects.requireNonNull(wire, "wire");
        return () -> {
            InterruptController c;
            synchronized (this) {
                c = controller;
            }
            return c == null ? 0xff : c.acknowledge();
        };
    }

    @Override
    public Registration claim(String owner, int firstGsi, int count, InterruptSink sink) {
        Objects.requireNonNull(sink, "sink");
        boolean[] initial;
        synchronized (this) {
            for (int g = firstGsi; g < firstGsi + count; g++) {
                check(g);
                if (sinks[g] != null) {
                    throw new IllegalStateException(owner + ": GSI " + g + " is already claimed");
                }
            }
            for (int g = firstGsi; g < firstGsi + count; g++) {
                sinks[g] = sink;
                sinkBase[g] = firstGsi;
            }
            initial = Arrays.copyOfRange(levels, firstGsi, firstGsi + count);
        }
        // Levels set before the controller connected are delivered now, as the SPI promises.
        for (int i = 0; i < count; i++) {
            if (initial[i]) {
                sink.set(i, true);
            }
        }
        return () -> {
            synchronized (this) {
                for (int g = firstGsi; g < firstGsi + count; g++) {
                    if (sinks[g] == sink) {
                        sinks[g] = null;
                    }
                }
            }
        };
    }

    @Override
    public synchronized InterruptLine connectCpu(InterruptController controller) {
        this.controller = Objects.requireNonNull(controller, "controller");
        return level -> {
            synchronized (this) {
                if (level && !intr) {
                    intrRisingEdges++;
                }
                intr = level;
            }
            InterruptLine wire;
            synchronized (this) {
                wire = virtualWire;
            }
            if (wire != null) {
                wire.set(level);
            }
        };
    }

    /**
     * Sets how many vCPUs the machine claims to have; call it before the controller connects.
     *
     * @throws IllegalStateException once a per-vCPU port was handed out
     */
    public synchronized void setCpuCount(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a machine has at least one vCPU, not " + count);
        }
        if (!cpuPorts.isEmpty()) {
            throw new IllegalStateException("per-vCPU ports are already connected");
        }
        cpuCount = count;
    }

    @Override
    public synchronized int cpuCount() {
        return cpuCount;
    }

    @Override
    public synchronized CpuInterruptPort connectCpu(int vcpuId, InterruptController c) {
        Objects.requireNonNull(c, "controller");
        if (vcpuId < 0 || vcpuId >= cpuCount) {
            throw new IllegalArgumentException("vCPU " + vcpuId + " is outside 0.." + (cpuCount - 1));
        }
        if (cpuPort(vcpuId) != null) {
            throw new IllegalStateException("vCPU " + vcpuId + " already has an interrupt controller");
        }
        RecordingCpuPort port = new RecordingCpuPort(vcpuId, c);
        cpuPorts.add(port);
        return port;
    }

    /**
     * The recorded inputs of vCPU {@code vcpuId}.
     *
     * @throws IllegalStateException when no controller connected to that vCPU
     */
    public synchronized RecordingCpuPort cpu(int vcpuId) {
        RecordingCpuPort p = cpuPort(vcpuId);
        if (p == null) {
            throw new IllegalStateException("no controller is connected to vCPU " + vcpuId);
        }
        return p;
    }

    private RecordingCpuPort cpuPort(int vcpuId) {
        return cpuPorts.stream().filter(p -> p.vcpuId() == vcpuId).findFirst().orElse(null);
    }

    /** The current level of {@code gsi}. */
    public synchronized boolean level(int gsi) {
        check(gsi);
        return levels[gsi];
    }

    /** How many times {@code gsi} went from low to high. */
    public synchronized int risingEdges(int gsi) {
        check(gsi);
        return risingEdges[gsi];
    }

    /** The CPU INTR pin level. */
    public synchronized boolean intr() {
        return intr;
    }

    /** How many times INTR went high. */
    public synchronized int intrRisingEdges() {
        return intrRisingEdges;
    }

    /** Runs an interrupt-acknowledge cycle on the connected controller. */
    public int acknowledge() {
        InterruptController c;
        synchronized (this) {
            c = controller;
        }
        if (c == null) {
            throw new IllegalStateException("no interrupt controller is connected to the CPU");
        }
        return c.acknowledge();
    }

    private static void check(int gsi) {
        if (gsi < 0 || gsi >= GSI_COUNT) {
            throw new IllegalArgumentException("GSI " + gsi + " is outside 0.." + (GSI_COUNT - 1));
        }
    }
}
