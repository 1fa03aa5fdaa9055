package dev.tern.kernel.irq;

import dev.tern.spi.Registration;
import dev.tern.spi.irq.CpuInterruptPort;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.irq.InterruptLine;
import dev.tern.spi.irq.InterruptRouting;
import dev.tern.spi.state.StateSection;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The machine's interrupt wiring: 256 global interrupt lines (GSIs) that remember their level, a
 * controller that claims ranges of them, and the controller's output to the CPUs' INTR pin.
 *
 * <p>Levels are remembered on both sides so wiring order does not matter: a device may raise its
 * line before the interrupt controller claims it (the level is delivered at claim time), and the
 * controller may raise INTR before the Machine attaches the CPU pin with {@link #setCpuPin}.
 *
 * <p>Thread safety: each GSI line and the CPU pin have their own monitor, held while the new level
 * is delivered, so a receiver always sees a line's changes in the order its level was stored. A
 * controller that drives INTR from inside its sink takes the pin's monitor, never a GSI's, so the
 * usual device → controller → CPU chain cannot deadlock against a CPU acknowledging an interrupt.
 */
public final class IrqRouter implements InterruptRouting {

    /** Number of global interrupt lines. */
    public static final int GSI_COUNT = 256;

    private final GsiLine[] lines = new GsiLine[GSI_COUNT];
    private final List<Claim> claims = new ArrayList<>();
    private final CpuPin cpuPin = new CpuPin();
    private volatile InterruptController controller;
    private final InterruptController controllerView = this::acknowledge;
    /** How a per-vCPU controller reaches vCPU n (set by the machine); null: no per-vCPU inputs. */
    private java.util.function.BiFunction<Integer, InterruptController, CpuInterruptPort> cpuPorts;
    private int cpuCount = 1;
    private boolean[] cpuConnected = new boolean[1];
    private boolean virtualWire;

    /** A router with every line low and nothing claimed or connected. */
    public IrqRouter() {
        for (int i = 0; i < GSI_COUNT; i++) {
            lines[i] = new GsiLine(i);
        }
    }

    private record Claim(String owner, int first, int count, InterruptSink sink) {
        int last() {
            return first + count - 1;
        }
    }

    /** One global interrupt line; its monitor guards level and receiver. */
    private static final class GsiLine implements InterruptLine {
        private final int gsi;
        private boolean level;
        private InterruptSink sink;
        private int index;
        /** Receivers besides the claimant ({@link #tap}), with their input index. */
        private final List<Map.Entry<InterruptSink, Integer>> taps = new ArrayList<>();

        GsiLine(int gsi) {
            this.gsi = gsi;
        }

        @Override
        public synchronized void set(boolean newLevel) {
            if (newLevel == level) {
                return;
            }
            level = newLevel;
            if (sink != null) {
                sink.set(index, newLevel);
            }
            for (var t : taps) {
                t.getKey().set(t.getValue(), newLevel);
            }
        }

        synchronized void addTap(InterruptSink s, int idx) {
            taps.add(Map.entry(s, idx));
            if (level) {
                s.set(idx, true);
            }
        }

        synchronized void removeTap(InterruptSink s) {
            taps.removeIf(t -> t.getKey() == s);
        }

        synchronized void attach(InterruptSink s, int idx) {
            sink = s;
            index = idx;
            if (level) {
                s.set(idx, true);
            }
        }

        synchronized void detach(InterruptSink s) {
            if (sink == s) {
                sink = null;
            }
        }

        synchronized boolean level() {
            return level;
        }

        /** Sets the remembered level without telling the receiver, which restores its own view. */
        synchronized void restore(boolean l) {
            level = l;
        }

        @Override
        public String toString() {
            return "GSI " + gsi;
        }
    }

    /** The CPUs' INTR input as driven by the controller; remembers the level until a pin is set. */
    private static final class CpuPin implements InterruptLine {
        private boolean level;
        private InterruptLine target = InterruptLine.NONE;

        @Override
        public synchronized void set(boolean newLevel) {
            level = newLevel;
            target.set(newLevel);
        }

        synchronized void connect(InterruptLine pin) {
            target = pin;
            if (level) {
                pin.set(true);
            }
        }

        synchronized boolean level() {
            return level;
        }

        synchronized void restore(boolean l) {
            level = l;
        }
    }

    /**
     * Saved state of the wiring: the level of every line and of the INTR pin.
     *
     * @param levels bit {@code n} of word {@code n / 64} is GSI {@code n}
     * @param cpuPin the INTR level
     */
    public record IrqState(long[] levels, boolean cpuPin) {
    }

    /**
     * The wiring's section. Lines remember their level so that a device re-driving an unchanged
     * level is not taken for an edge; without it a restored machine would swallow the next edge of
     * every line that was high when the snapshot was taken. Loading sets the remembered levels only:
     * the controller and the CPUs restore their own view of them.
     */
    public StateSection<IrqState> stateSection() {
        return new StateSection<>() {
            @Override
            public String name() {
                return "irq-router";
            }

            @Override
            public Class<IrqState> stateType() {
                return IrqState.class;
            }

            @Override
            public IrqState save() {
                long[] words = new long[GSI_COUNT / 64];
                for (int i = 0; i < GSI_COUNT; i++) {
                    if (lines[i].level()) {
                        words[i >>> 6] |= 1L << (i & 63);
                    }
                }
                return new IrqState(words, cpuPin.level());
            }

            @Override
            public Optional<String> validate(IrqState s) {
                return s.levels() != null && s.levels().length == GSI_COUNT / 64 ? Optional.empty()
                        : Optional.of("irq-router: levels must hold " + GSI_COUNT / 64 + " words");
            }

            @Override
            public void load(IrqState s) {
                for (int i = 0; i < GSI_COUNT; i++) {
                    lines[i].restore((s.levels()[i >>> 6] & (1L << (i & 63))) != 0);
                }
                cpuPin.restore(s.cpuPin());
            }
        };
    }

    /** What {@link #claim} and {@link #tap} both require of their arguments. */
    private static void checkRange(String owner, int firstGsi, int count, InterruptSink sink) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(sink, "sink");
        if (firstGsi < 0 || count <= 0 || count > GSI_COUNT - firstGsi) {
            throw new IllegalArgumentException(String.format(
                    "%s: bad interrupt range first %d count %d (GSIs are 0..%d)", owner, firstGsi, count, GSI_COUNT - 1));
        }
    }

    @Override
    public InterruptLine line(int gsi) {
        return lines[checkGsi(gsi)];
    }

    @Override
    public Registration claim(String owner, int firstGsi, int count, InterruptSink sink) {
        checkRange(owner, firstGsi, count, sink);
        Claim claim = new Claim(owner, firstGsi, count, sink);
        synchronized (claims) {
            for (Claim c : claims) {
                if (claim.first() <= c.last() && c.first() <= claim.last()) {
                    throw new IllegalStateException(String.format(
                            "%s cannot claim GSIs %d-%d: %s already claims %d-%d",
                            owner, claim.first(), claim.last(), c.owner(), c.first(), c.last()));
                }
            }
            claims.add(claim);
        }
        for (int i = 0; i < count; i++) {
            lines[firstGsi + i].attach(sink, i);
        }
        return () -> release(claim);
    }

    private void release(Claim claim) {
        synchronized (claims) {
            // Identity, not equals: a stale registration must not release an equal later claim.
            if (!claims.removeIf(c -> c == claim)) {
                return;
            }
        }
        for (int i = 0; i < claim.count(); i++) {
            lines[claim.first() + i].detach(claim.sink());
        }
    }

    /**
     * Installs the controller CPUs acknowledge through and returns the line driving their INTR pin.
     *
     * @throws IllegalStateException if a controller is already connected
     */
    @Override
    public synchronized InterruptLine connectCpu(InterruptController c) {
        Objects.requireNonNull(c, "controller");
        if (controller != null) {
            throw new IllegalStateException("an interrupt controller is already connected to the CPUs");
        }
        controller = c;
        return cpuPin;
    }

    @Override
    public Registration tap(String owner, int firstGsi, int count, InterruptSink sink) {
        checkRange(owner, firstGsi, count, sink);
        for (int i = 0; i < count; i++) {
            lines[firstGsi + i].addTap(sink, i);
        }
        return () -> {
            for (int i = 0; i < count; i++) {
                lines[firstGsi + i].removeTap(sink);
            }
        };
    }

    /**
     * Gives the routing per-vCPU inputs (the Machine does this once its vCPUs exist): {@code ports}
     * connects a controller to vCPU n and returns that vCPU's inputs.
     */
    public synchronized void setCpuPorts(int count, java.util.function.BiFunction<Integer, InterruptController, CpuInterruptPort> ports) {
        if (count < 1) {
            throw new IllegalArgumentException("a machine has at least one vCPU, not " + count);
        }
        cpuCount = count;
        cpuConnected = new boolean[count];
        cpuPorts = Objects.requireNonNull(ports, "ports");
    }

    @Override
    public synchronized int cpuCount() {
        return cpuCount;
    }

    @Override
    public synchronized CpuInterruptPort connectCpu(int vcpuId, InterruptController c) {
        Objects.requireNonNull(c, "controller");
        if (cpuPorts == null) {
            return InterruptRouting.super.connectCpu(vcpuId, c);
        }
        if (vcpuId < 0 || vcpuId >= cpuCount) {
            throw new IllegalArgumentException("vCPU " + vcpuId + " does not exist (0.." + (cpuCount - 1) + ")");
        }
        if (cpuConnected[vcpuId]) {
            throw new IllegalStateException("vCPU " + vcpuId + " already has an interrupt controller");
        }
        cpuConnected[vcpuId] = true;
        return cpuPorts.apply(vcpuId, c);
    }

    @Override
    public synchronized InterruptController connectVirtualWire(InterruptLine wire) {
        Objects.requireNonNull(wire, "wire");
        if (virtualWire) {
            throw new IllegalStateException("the CPUs' INTR already goes to a virtual wire");
        }
        virtualWire = true;
        cpuPin.connect(wire);
        return controllerView;
    }

    /**
     * Attaches the CPUs' INTR pin (the Machine does this once vCPUs exist). A level the controller
     * set earlier is delivered now.
     */
    public void setCpuPin(InterruptLine pin) {
        cpuPin.connect(Objects.requireNonNull(pin, "pin"));
    }

    /**
     * The controller for CPUs to acknowledge through. Stable: it forwards to whatever controller
     * connects; before one does, {@code acknowledge()} throws {@link IllegalStateException}.
     */
    public InterruptController controller() {
        return controllerView;
    }

    /** The current level of {@code gsi}. */
    public boolean level(int gsi) {
        return lines[checkGsi(gsi)].level();
    }

    /** The level the controller drives on the CPUs' INTR pin. */
    public boolean cpuPinLevel() {
        return cpuPin.level();
    }

    /** One line per claim, like {@code GSI 0-15 : i8259}, in GSI order. */
    public List<String> describe() {
        List<Claim> copy;
        synchronized (claims) {
            copy = new ArrayList<>(claims);
        }
        copy.sort((a, b) -> Integer.compare(a.first(), b.first()));
        return copy.stream().map(c -> "GSI " + c.first() + "-" + c.last() + " : " + c.owner()).toList();
    }

    private int acknowledge() {
        InterruptController c = controller;
        if (c == null) {
            throw new IllegalStateException("no interrupt controller connected");
        }
        return c.acknowledge();
    }

    private static int checkGsi(int gsi) {
        if (gsi < 0 || gsi >= GSI_COUNT) {
            throw new IllegalArgumentException("GSI " + gsi + " outside 0.." + (GSI_COUNT - 1));
        }
        return gsi;
    }
}
