package dev.tern.kernel.machine;

import dev.tern.spi.Registration;
import dev.tern.spi.io.MmioHandler;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoHandler;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptController;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one lock that serialises device state when vCPUs run on threads of their own
 * ({@link VcpuScheduling#PARALLEL}; QEMU calls its equivalent the big QEMU lock): every port and
 * MMIO access a vCPU makes, every interrupt acknowledge it runs against its interrupt controller,
 * and EMT 0's work between slices (inputs, timers, events) hold it. Devices are therefore written
 * as before, for one thread at a time. Guest RAM is not under it.
 *
 * <p>Nobody holding it may wait for a rendezvous: a vCPU blocked on the lock could not join.
 * Every holder runs device code only, which never waits for other threads.
 */
final class DeviceLock {

    private final ReentrantLock lock = new ReentrantLock();

    /** Runs {@code action} holding the lock. */
    <T> T call(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    boolean heldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /** The port space as a vCPU sees it: each access holds the lock. */
    PortIoSpace guard(PortIoSpace ports) {
        return new PortIoSpace() {
            @Override
            public Registration register(String owner, int base, int count, PortIoHandler handler) {
                return ports.register(owner, base, count, handler);
            }

            @Override
            public int read(int port, int size) {
                lock.lock();
                try {
                    return ports.read(port, size);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void write(int port, int size, int value) {
                lock.lock();
                try {
                    ports.write(port, size, value);
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    /**
     * The MMIO space as a vCPU sees it: reads and writes hold the lock; {@code isMapped}, asked on
     * every slow-path RAM access, does not (the bus publishes its map through a volatile field).
     */
    MmioSpace guard(MmioSpace mmio) {
        return new MmioSpace() {
            @Override
            public Registration map(String owner, long base, long length, MmioHandler handler) {
                return mmio.map(owner, base, length, handler);
            }

            @Override
            public Registration mapForCpu(int vcpu, String owner, long base, long length, MmioHandler handler) {
                return mmio.mapForCpu(vcpu, owner, base, length, handler);
            }

            @Override
            public long read(long gpa, int size) {
                lock.lock();
                try {
                    return mmio.read(gpa, size);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void write(long gpa, int size, long value) {
                lock.lock();
                try {
                    mmio.write(gpa, size, value);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public boolean isMapped(long gpa) {
                return mmio.isMapped(gpa);
            }
        };
    }

    /** An interrupt controller whose acknowledge cycle, run by a vCPU's thread, holds the lock. */
    InterruptController guard(InterruptController controller) {
        return () -> {
            lock.lock();
            try {
                return controller.acknowledge();
            } finally {
                lock.unlock();
            }
        };
    }
}
