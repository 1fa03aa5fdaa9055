package dev.tern.kernel.vm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmLifecycleTest {

    /** Drives a fresh lifecycle into {@code target} along allowed transitions. */
    private static VmLifecycle in(VmState target) {
        VmLifecycle vm = new VmLifecycle();
        List<VmState> path = switch (target) {
            case CREATED -> List.of();
            case INMIGRATE, LOADING, RUNNING, PAUSED, SHUTDOWN, FAILED -> List.of(target);
            case SAVING, MIGRATING -> List.of(VmState.RUNNING, target);
            case POSTMIGRATE -> List.of(VmState.RUNNING, VmState.MIGRATING, VmState.POSTMIGRATE);
        };
        path.forEach(vm::transition);
        assertEquals(target, vm.state());
        return vm;
    }

    static Stream<Arguments> everyPair() {
        List<Arguments> pairs = new ArrayList<>();
        for (VmState from : VmState.values()) {
            for (VmState to : VmState.values()) {
                pairs.add(Arguments.of(from, to));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("everyPair")
    void everyPairFollowsTheTable(VmState from, VmState to) {
        VmLifecycle vm = in(from);
        List<String> heard = new ArrayList<>();
        vm.onChange((a, b) -> heard.add(a + ">" + b));
        if (VmLifecycle.isAllowed(from, to)) {
            assertEquals(from, vm.transition(to));
            assertEquals(to, vm.state());
            assertEquals(List.of(from + ">" + to), heard);
        } else {
            IllegalVmStateTransition e = assertThrows(IllegalVmStateTransition.class, () -> vm.transition(to));
            assertEquals("cannot go from " + from + " to " + to, e.getMessage());
            assertEquals(from, e.from());
            assertEquals(to, e.to());
            assertEquals(from, vm.state());
            assertTrue(heard.isEmpty());
        }
    }

    @Test
    void tableCoversEveryStateAndHasTheExpectedShape() {
        Map<VmState, Set<VmState>> t = VmLifecycle.allowedTransitions();
        assertEquals(EnumSet.allOf(VmState.class), EnumSet.copyOf(t.keySet()));
        assertTrue(t.get(VmState.SHUTDOWN).isEmpty(), "shutdown is terminal");
        assertEquals(Set.of(VmState.SHUTDOWN), t.get(VmState.FAILED));
        for (VmState s : VmState.values()) {
            assertFalse(t.get(s).contains(s), s + " must not transition to itself");
        }
        assertFalse(VmLifecycle.isAllowed(VmState.PAUSED, VmState.INMIGRATE));
        assertThrows(UnsupportedOperationException.class, () -> t.get(VmState.RUNNING).add(VmState.CREATED));
    }

    @Test
    void compareAndTransitionOnlyActsFromTheExpectedState() {
        VmLifecycle vm = new VmLifecycle();
        assertFalse(vm.compareAndTransition(VmState.RUNNING, VmState.PAUSED));
        assertEquals(VmState.CREATED, vm.state());
        assertTrue(vm.compareAndTransition(VmState.CREATED, VmState.RUNNING));
        assertThrows(IllegalVmStateTransition.class, () -> vm.compareAndTransition(VmState.RUNNING, VmState.LOADING));
        assertEquals(VmState.RUNNING, vm.state());
    }

    @Test
    void listenersRunInOrderAndNestedChangesFollowTheCurrentOne() {
        VmLifecycle vm = new VmLifecycle();
        List<String> heard = new ArrayList<>();
        vm.onChange((a, b) -> {
            heard.add("1:" + b);
            if (b == VmState.SAVING) {
                vm.transition(VmState.RUNNING); // e.g. a snapshot finishing synchronously
            }
        });
        var second = vm.onChange((a, b) -> heard.add("2:" + b));
        vm.transition(VmState.RUNNING);
        vm.transition(VmState.SAVING);
        assertEquals(List.of("1:RUNNING", "2:RUNNING", "1:SAVING", "2:SAVING", "1:RUNNING", "2:RUNNING"), heard);
        second.close();
        vm.transition(VmState.PAUSED);
        assertEquals("1:PAUSED", heard.getLast());
        assertEquals(7, heard.size());
    }

    @Test
    void failingListenerDoesNotSilenceTheOthers() {
        VmLifecycle vm = new VmLifecycle();
        List<VmState> heard = new ArrayList<>();
        vm.onChange((a, b) -> {
            throw new IllegalArgumentException("boom");
        });
        vm.onChange((a, b) -> heard.add(b));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vm.transition(VmState.RUNNING));
        assertEquals("boom", e.getMessage());
        assertEquals(List.of(VmState.RUNNING), heard);
        assertEquals(VmState.RUNNING, vm.state());
    }

    @Test
    void concurrentChangesReachListenersInTheOrderTheyHappened() throws Exception {
        VmLifecycle vm = in(VmState.RUNNING);
        List<VmState[]> heard = Collections.synchronizedList(new ArrayList<>());
        vm.onChange((a, b) -> heard.add(new VmState[] {a, b}));
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 2_000; i++) {
                        vm.compareAndTransition(VmState.RUNNING, VmState.PAUSED);
                        vm.compareAndTransition(VmState.PAUSED, VmState.RUNNING);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(null, failure.get());
        VmState expectedFrom = VmState.RUNNING;
        for (VmState[] c : heard) {
            assertSame(expectedFrom, c[0], "changes must chain: each starts where the previous ended");
            expectedFrom = c[1];
        }
        assertEquals(vm.state(), expectedFrom);
    }

    @Test
    void awaitStateWakesOnTheTargetAndIsInterruptible() throws Exception {
        VmLifecycle vm = new VmLifecycle();
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<VmState> got = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            waiting.countDown();
            try {
                got.set(vm.awaitState(EnumSet.of(VmState.SHUTDOWN, VmState.FAILED)));
            } catch (InterruptedException e) {
                got.set(null);
            }
        });
        waiting.await();
        vm.transition(VmState.RUNNING);
        vm.transition(VmState.FAILED);
        waiter.join();
        assertEquals(VmState.FAILED, got.get());

        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread blocked = Thread.ofPlatform().start(() -> {
            try {
                vm.awaitState(Set.of(VmState.RUNNING));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        blocked.interrupt();
        blocked.join();
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        assertFalse(vm.awaitState(Set.of(VmState.RUNNING), 0, TimeUnit.MILLISECONDS));
        assertTrue(vm.awaitState(Set.of(VmState.FAILED), 0, TimeUnit.MILLISECONDS));
        assertThrows(IllegalArgumentException.class, () -> vm.awaitState(Set.of()));
    }
}
