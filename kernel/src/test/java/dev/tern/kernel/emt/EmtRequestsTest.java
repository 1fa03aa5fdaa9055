package dev.tern.kernel.emt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EmtRequestsTest {

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void requestForAVcpuRunsOnItsThread(int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            for (int id = 0; id < vcpus; id++) {
                Emt target = fixture.group.emt(id);
                assertSame(target.thread(), fixture.requests().call(id, Thread::currentThread));
                assertSame(target, fixture.requests().call(id, Emt::current));
            }
        }
    }

    @Test
    void anyRunsOnSomeEmt() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(4)) {
            Set<Thread> emtThreads = new HashSet<>();
            for (int id = 0; id < 4; id++) {
                emtThreads.add(fixture.group.emt(id).thread());
            }
            for (int i = 0; i < 20; i++) {
                Thread ranOn = fixture.requests().call(EmtRequests.ANY, Thread::currentThread);
                assertTrue(emtThreads.contains(ranOn), ranOn.getName());
            }
        }
    }

    @Test
    void submitIsAsynchronousAndFifoPerVcpu() throws Exception {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            CountDownLatch release = new CountDownLatch(1);
            List<Integer> order = new ArrayList<>();
            CompletableFuture<Boolean> blocker = fixture.requests().submit(1,
                    () -> release.await(10, TimeUnit.SECONDS));
            List<CompletableFuture<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int value = i;
                futures.add(fixture.requests().submit(1, () -> {
                    order.add(value); // only EMT 1 touches the list
                    return value * value;
                }));
            }
            assertTrue(futures.stream().noneMatch(CompletableFuture::isDone), "submit must not wait");
            release.countDown();
            assertTrue(blocker.get());
            for (int i = 0; i < 5; i++) {
                assertEquals(i * i, futures.get(i).get());
            }
            assertEquals(List.of(0, 1, 2, 3, 4), fixture.requests().call(1, () -> List.copyOf(order)));
        }
    }

    @Test
    void exceptionsPropagateWithContext() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            IOException cause = new IOException("device gone");
            EmtRequestException sync = assertThrows(EmtRequestException.class,
                    () -> fixture.requests().call(1, () -> {
                        throw cause;
                    }));
            assertSame(cause, sync.getCause());
            assertTrue(sync.getMessage().contains("vCPU 1"), sync.getMessage());

            CompletableFuture<Object> async = fixture.requests().submit(0, () -> {
                throw cause;
            });
            ExecutionException failed = assertThrows(ExecutionException.class, async::get);
            assertSame(cause, failed.getCause());
        }
    }

    @Test
    void callToSelfRunsInlineWithoutDeadlock() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            String result = fixture.requests().call(1, () -> {
                Thread outer = Thread.currentThread();
                Thread inner = fixture.requests().call(1, Thread::currentThread);
                Thread any = fixture.requests().call(EmtRequests.ANY, Thread::currentThread);
                return outer == inner && inner == any ? "inline" : "queued";
            });
            assertEquals("inline", result);
            EmtRequestException e = assertThrows(EmtRequestException.class, () -> fixture.requests().call(0,
                    () -> fixture.requests().call(0, () -> {
                        throw new IllegalStateException("inner");
                    })));
            assertInstanceOf(EmtRequestException.class, e.getCause(), "inline failure wrapped with context");
        }
    }

    @Test
    void emtsCanCallEachOtherBackAndForth() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            EmtRequests requests = fixture.requests();
            // 0 waits for 1, which waits for 0: 0 must serve requests while it waits.
            int result = requests.call(0, () -> requests.call(1, () -> requests.call(0, () -> Emt.current().id() + 40)));
            assertEquals(40, result);
        }
    }

    @Test
    void callbacksCanCallIntoEmtsHeldInTheRendezvous() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(3)) {
            int status = fixture.runFrom(0, RendezvousType.ONCE, false,
                    emt -> fixture.requests().call(2, () -> Emt.current().id() == 2 ? Status.EM_HALT : -1));
            assertEquals(Status.EM_HALT, status);
        }
    }

    @Test
    void emtWaitingInCallTakesPartInARendezvous() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(3)) {
            // EMT 0 waits on EMT 1; EMT 1's request starts a rendezvous that needs EMT 0.
            int status = fixture.requests().call(0, () -> fixture.requests().call(1,
                    () -> fixture.rendezvous().run(RendezvousType.ASCENDING, false, emt -> Status.SUCCESS)));
            assertEquals(Status.SUCCESS, status);
        }
    }

    @Test
    void requestServedInsideARendezvousWaitCannotStartARendezvous() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            int[] inner = new int[1];
            int status = fixture.runFrom(0, RendezvousType.ONCE, false, emt -> {
                inner[0] = fixture.requests().call(1,
                        () -> fixture.rendezvous().run(RendezvousType.ONCE, false, e -> Status.SUCCESS));
                return Status.SUCCESS;
            });
            assertEquals(Status.SUCCESS, status);
            assertEquals(Status.DEADLOCK, inner[0]);
        }
    }

    @Test
    void badTargetsAreRejected() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> fixture.requests().submit(2, () -> 1));
            assertTrue(e.getMessage().contains("vCPU 2"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> fixture.requests().call(-2, () -> 1));
        }
    }

    @Test
    void requestsAfterCloseFail() {
        EmtGroupFixture fixture = EmtGroupFixture.idle(2);
        fixture.close();
        assertThrows(EmtGroupClosedException.class, () -> fixture.requests().call(0, () -> 1));
        CompletableFuture<Integer> future = fixture.requests().submit(1, () -> 1);
        ExecutionException failed = assertThrows(ExecutionException.class, future::get);
        assertInstanceOf(EmtGroupClosedException.class, failed.getCause());
    }

    @Test
    void currentIsNullOutsideEmts() {
        assertNull(Emt.current());
    }
}
