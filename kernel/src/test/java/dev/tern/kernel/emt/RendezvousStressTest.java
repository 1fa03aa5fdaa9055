package dev.tern.kernel.emt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RendezvousStressTest {

    private static final int VCPUS = 8;
    private static final int RENDEZVOUS = 10_000;
    private static final RendezvousType[] TYPES = RendezvousType.values();

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void tenThousandBackToBackRendezvousFromConcurrentInitiators() throws InterruptedException {
        AtomicInteger tickets = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        AtomicLong expectedCallbacks = new AtomicLong();
        AtomicLong callbacks = new AtomicLong();
        AtomicIntegerArray initiatedBy = new AtomicIntegerArray(VCPUS);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        CountDownLatch allDone = new CountDownLatch(1);
        AtomicInteger inside = new AtomicInteger();
        EmtBody body = emt -> {
            int ticket = tickets.getAndIncrement();
            if (ticket >= RENDEZVOUS) {
                emt.awaitWork(TimeUnit.SECONDS.toNanos(1));
                return;
            }
            RendezvousType type = TYPES[ticket % TYPES.length];
            int status = emt.group().rendezvous().run(type, false, participant -> {
                int now = inside.incrementAndGet();
                if (type.sequential() && now != 1) {
                    problems.add(type + " callbacks overlapped");
                }
                callbacks.incrementAndGet();
                inside.decrementAndGet();
                return Status.SUCCESS;
            });
            if (status != Status.SUCCESS) {
                problems.add("status " + status);
            }
            expectedCallbacks.addAndGet(type == RendezvousType.ONCE ? 1 : VCPUS);
            initiatedBy.incrementAndGet(emt.id());
            if (completed.incrementAndGet() == RENDEZVOUS) {
                allDone.countDown();
            }
        };
        try (EmtGroup group = new EmtGroup("stress", VCPUS, body, id -> { },
                (emt, error) -> problems.add(emt + " failed: " + error))) {
            group.start();
            assertTrue(allDone.await(100, TimeUnit.SECONDS), "rendezvous stalled at " + completed.get());
        }
        assertTrue(problems.isEmpty(), () -> problems.size() + " problems, e.g. " + problems.peek());
        assertEquals(RENDEZVOUS, completed.get());
        assertEquals(expectedCallbacks.get(), callbacks.get());
        int initiators = 0;
        for (int id = 0; id < VCPUS; id++) {
            initiators += initiatedBy.get(id) > 0 ? 1 : 0;
        }
        assertTrue(initiators > 1, "rendezvous must have been initiated from several EMTs");
    }
}
