package dev.tern.kernel.emt;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RendezvousTypesTest {

    static Stream<Arguments> everyTypeAndSize() {
        List<Arguments> cases = new ArrayList<>();
        for (RendezvousType type : RendezvousType.values()) {
            for (int vcpus : new int[] {1, 2, 8}) {
                cases.add(Arguments.of(type, vcpus));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} with {1} EMTs")
    @MethodSource("everyTypeAndSize")
    void callbacksRunTheRightNumberOfTimesOnTheRightThreads(RendezvousType type, int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            int initiator = vcpus - 1;
            Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> wrongThread = new ConcurrentLinkedQueue<>();
            int status = fixture.runFrom(initiator, type, false, emt -> {
                if (Thread.currentThread() != emt.thread() || Emt.current() != emt) {
                    wrongThread.add("callback for " + emt + " on " + Thread.currentThread().getName());
                }
                runs.computeIfAbsent(emt.id(), id -> new AtomicInteger()).incrementAndGet();
                return Status.SUCCESS;
            });
            assertEquals(Status.SUCCESS, status);
            assertTrue(wrongThread.isEmpty(), wrongThread::toString);
            if (type == RendezvousType.ONCE) {
                assertEquals(Map.of(initiator, 1), toPlain(runs));
            } else {
                Map<Integer, Integer> expected = new java.util.HashMap<>();
                IntStream.range(0, vcpus).forEach(id -> expected.put(id, 1));
                assertEquals(expected, toPlain(runs));
            }
        }
    }

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void ascendingRunsInVcpuOrder(int vcpus) {
        assertEquals(IntStream.range(0, vcpus).boxed().toList(), order(vcpus, RendezvousType.ASCENDING));
    }

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void descendingRunsInReverseVcpuOrder(int vcpus) {
        assertEquals(IntStream.range(0, vcpus).map(i -> vcpus - 1 - i).boxed().toList(),
                order(vcpus, RendezvousType.DESCENDING));
    }

    @ParameterizedTest(name = "{0} with {1} EMTs")
    @MethodSource("everyTypeAndSize")
    void sequentialTypesNeverOverlapAndBodiesAreStoppedDuringCallbacks(RendezvousType type, int vcpus) {
        AtomicIntegerArray inStep = new AtomicIntegerArray(vcpus);
        EmtBody body = emt -> {
            inStep.set(emt.id(), 1);
            try {
                emt.awaitWork(TimeUnit.SECONDS.toNanos(1));
            } finally {
                inStep.set(emt.id(), 0);
            }
        };
        try (EmtGroup group = new EmtGroup("overlap", vcpus, body, id -> { })) {
            group.start();
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            AtomicInteger bodiesSeenRunning = new AtomicInteger();
            int status = group.requests().call(0, () -> group.rendezvous().run(type, false, emt -> {
                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                for (int id = 0; id < vcpus; id++) {
                    bodiesSeenRunning.addAndGet(inStep.get(id));
                }
                inside.decrementAndGet();
                return Status.SUCCESS;
            }));
            assertEquals(Status.SUCCESS, status);
            assertEquals(0, bodiesSeenRunning.get(), "a body was mid-step during a callback");
            if (type.sequential()) {
                assertEquals(1, maxInside.get(), "callbacks overlapped");
            }
        }
    }

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void allAtOnceCallbacksReallyRunConcurrently(int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            CyclicBarrier meeting = new CyclicBarrier(vcpus);
            AtomicInteger met = new AtomicInteger();
            int status = fixture.runFrom(0, RendezvousType.ALL_AT_ONCE, false, emt -> {
                // Sequential execution would never fill the barrier: the timeout turns that into an error.
                meeting.await(10, TimeUnit.SECONDS);
                met.incrementAndGet();
                return Status.SUCCESS;
            });
            assertEquals(Status.SUCCESS, status);
            assertEquals(vcpus, met.get());
        }
    }

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void nonEmtCallerIsForwardedToEmtZero(int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            ConcurrentLinkedQueue<Integer> ranOn = new ConcurrentLinkedQueue<>();
            int status = fixture.rendezvous().run(RendezvousType.ONCE, false, emt -> {
                ranOn.add(emt.id());
                assertSame(emt.thread(), Thread.currentThread());
                return Status.EM_SUSPEND;
            });
            assertEquals(Status.EM_SUSPEND, status);
            assertEquals(List.of(0), List.copyOf(ranOn));
        }
    }

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void spinningVcpusAreKickedOutOfTheirSlices(int vcpus) {
        // The spinning body only returns when kicked: completing proves every EMT was kicked.
        try (EmtGroupFixture fixture = EmtGroupFixture.spinning(vcpus)) {
            AtomicInteger runs = new AtomicInteger();
            int status = fixture.rendezvous().run(RendezvousType.ONE_BY_ONE, false, emt -> {
                runs.incrementAndGet();
                return Status.SUCCESS;
            });
            assertEquals(Status.SUCCESS, status);
            assertEquals(vcpus, runs.get());
        }
    }

    private static List<Integer> order(int vcpus, RendezvousType type) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            ConcurrentLinkedQueue<Integer> order = new ConcurrentLinkedQueue<>();
            int initiator = vcpus / 2;
            assertEquals(Status.SUCCESS, fixture.runFrom(initiator, type, false, emt -> {
                order.add(emt.id());
                return Status.SUCCESS;
            }));
            return List.copyOf(order);
        }
    }

    private static Map<Integer, Integer> toPlain(Map<Integer, AtomicInteger> counts) {
        Map<Integer, Integer> plain = new java.util.HashMap<>();
        counts.forEach((id, count) -> plain.put(id, count.get()));
        return plain;
    }
}
