package dev.tern.testkit.irq;

import dev.tern.spi.irq.CpuInterruptPort;
import dev.tern.spi.irq.InterruptController;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPU side of one vCPU's interrupt inputs, for controller tests: records the INTR level and
 * every NMI, INIT and startup IPI in arrival order, and acknowledges INTR through the controller
 * installed with the port, as a CPU taking the interrupt would.
 */
public final class RecordingCpuPort implements CpuInterruptPort {

    /** One event-style delivery. */
    public sealed interface Signal {
    }

    /** A non-maskable interrupt. */
    public record Nmi() implements Signal {
    }

    /** An INIT. */
    public record Init() implements Signal {
    }

    /** A startup IPI with its vector (start page). */
    public record Startup(int vector) implements Signal {
    }

    private final int vcpuId;
    private final InterruptController controller;
    private final List<Signal> signals = new ArrayList<>();
    private boolean intr;
    private int intrRisingEdges;

    RecordingCpuPort(int vcpuId, InterruptController controller) {
        this.vcpuId = vcpuId;
        this.controller = controller;
    }

    /** The vCPU this port belongs to. */
    public int vcpuId() {
        return vcpuId;
    }

    @Override
    public synchronized void setInterruptRequest(boolean asserted) {
        if (asserted && !intr) {
            intrRisingEdges++;
        }
        intr = asserted;
    }

    @Override
    public synchronized void nmi() {
        signals.add(new Nmi());
    }

    @Override
    public synchronized void init() {
        signals.add(new Init());
    }

    @Override
    public synchronized void startup(int vector) {
        if (vector < 0 || vector > 0xff) {
            throw new IllegalArgumentException("startup vector " + vector + " is not 0..255");
        }
        signals.add(new Startup(vector));
    }

    /** The INTR level. */
    public synchronized boolean intr() {
        return intr;
    }

    /** How many times INTR went high. */
    public synchronized int intrRisingEdges() {
        return intrRisingEdges;
    }

    /** The NMIs, INITs and startup IPIs received so far, oldest first. */
    public synchronized List<Signal> signals() {
        return List.copyOf(signals);
    }

    /** Runs the interrupt-acknowledge cycle a CPU runs when it takes INTR; returns the vector. */
    public int acknowledge() {
        return controller.acknowledge();
    }
}
