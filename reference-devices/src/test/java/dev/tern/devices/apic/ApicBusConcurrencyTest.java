package dev.tern.devices.apic;

import dev.tern.spi.io.MmioHandler;
import dev.tern.testkit.DeviceHarness;
import dev.tern.testkit.irq.RecordingCpuPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Two "vCPU" threads sending each other NMIs and taking their interrupts, a device thread driving a
 * level line through the I/O APIC, and an "8259" thread driving LINT0 while holding its own lock (as
 * the 8259 pair does) while vCPU 0 acknowledges ExtINT through that lock: nothing deadlocks, no NMI
 * is lost, and the level line's remote IRR ends clear.
 */
class ApicBusConcurrencyTest {

    private static final int ROUNDS = 20_000;
    private static final int PIC_VECTOR = 0x08;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void ipisIoApicMessagesAndExtIntAcknowledgesInterleaveWithoutLossOrDeadlock() throws Exception {
        DeviceHarness h = DeviceHarness.of(new ApicBusProvider(), Map.of());
        h.interrupts().setCpuCount(2);
        ApicBus bus = (ApicBus) h.start(new ApicBusProvider());
        h.withInstance("ioapic0", new IoApicProvider(), Map.of()).start(new IoApicProvider());
        Object picLock = new Object();
        bus.connectExtInt(() -> {
            synchronized (picLock) {
                return PIC_VECTOR;
            }
        });
        MmioHandler[] apic = {bus.registers(0), bus.registers(1)};
        for (MmioHandler a : apic) {
            a.write(0xf0, 4, 0x1ff);
        }
        apic[0].write(0x350, 4, 0x700);
        h.mmio().write(0xfec0_0000L, 4, 0x23);
        h.mmio().write(0xfec0_0010L, 4, 0);
        h.mmio().write(0xfec0_0000L, 4, 0x22);
        h.mmio().write(0xfec0_0010L, 4, 0x8000 | 0x39);

        CyclicBarrier start = new CyclicBarrier(4);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int cpu = 0; cpu < 2; cpu++) {
            int self = cpu;
            threads.add(Thread.ofPlatform().name("vcpu" + cpu).unstarted(() -> {
                await(start);
                RecordingCpuPort port = h.interrupts().cpu(self);
                for (int i = 0; i < ROUNDS; i++) {
                    apic[self].write(0x310, 4, (long) (1 - self) << 24);
                    apic[self].write(0x300, 4, 0x400);
                    takeInterrupt(port, apic[self]);
                }
            }));
        }
        threads.add(Thread.ofPlatform().name("device").unstarted(() -> {
            await(start);
            for (int i = 0; i < ROUNDS; i++) {
                h.interrupts().line(9).set(i % 2 == 0);
            }
            h.interrupts().line(9).lower();
        }));
        threads.add(Thread.ofPlatform().name("8259").unstarted(() -> {
            await(start);
            for (int i = 0; i < ROUNDS; i++) {
                synchronized (picLock) {
                    bus.lint(0, 0).set(i % 2 == 0);
                }
            }
            synchronized (picLock) {
                bus.lint(0, 0).lower();
            }
        }));
        for (Thread t : threads) {
            t.setUncaughtExceptionHandler((th, e) -> failure.compareAndSet(null, e));
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failure.get());
        assertEquals(0x39, h.mmio().read(0xfec0_0010L, 4) & 0xff, "entry 9 was programmed");

        for (int cpu = 0; cpu < 2; cpu++) {
            RecordingCpuPort port = h.interrupts().cpu(cpu);
            assertEquals(ROUNDS, port.signals().stream().filter(s -> s instanceof RecordingCpuPort.Nmi).count(),
                    "NMIs received by vCPU " + cpu);
            while (port.intr()) {
                takeInterrupt(port, apic[cpu]);
            }
            for (int w = 0; w < 8; w++) {
                assertEquals(0, apic[cpu].read(0x100 + w * 0x10, 4), "vCPU " + cpu + " ISR word " + w);
            }
        }
        h.mmio().write(0xfec0_0000L, 4, 0x22);
        assertEquals(0, h.mmio().read(0xfec0_0010L, 4) & 0x4000, "remote IRR of the level input ends clear");
        assertFalse(h.interrupts().cpu(0).intr());
    }

    /** What a CPU does when INTR is high: acknowledge, and EOI an APIC vector. */
    private static void takeInterrupt(RecordingCpuPort port, MmioHandler apic) {
        if (port.intr()) {
            int v = port.acknowledge();
            if (v != PIC_VECTOR && v != 0xff) {
                apic.write(0xb0, 4, 0);
            }
        }
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
