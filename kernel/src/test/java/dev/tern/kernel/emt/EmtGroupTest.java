package dev.tern.kernel.emt;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EmtGroupTest {

    @Test
    void bodyFailureIsReportedAndTheEmtStillTakesPartInRendezvous() throws Exception {
        CountDownLatch reported = new CountDownLatch(1);
        AtomicReference<Emt> failedEmt = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        IllegalStateException boom = new IllegalStateException("guest triple fault");
        AtomicInteger steps = new AtomicInteger();
        EmtBody body = emt -> {
            if (emt.id() == 1) {
                steps.incrementAndGet();
                throw boom;
            }
            emt.awaitWork(TimeUnit.SECONDS.toNanos(1));
        };
        try (EmtGroup group = new EmtGroup("fail", 3, body, id -> { }, (emt, error) -> {
            failedEmt.set(emt);
            failure.set(error);
            reported.countDown();
        })) {
            group.start();
            assertTrue(reported.await(10, TimeUnit.SECONDS));
            assertSame(group.emt(1), failedEmt.get());
            assertSame(boom, failure.get());
            assertSame(boom, group.emt(1).failure().orElseThrow());
            AtomicInteger runs = new AtomicInteger();
            assertEquals(Status.SUCCESS, group.rendezvous().run(RendezvousType.DESCENDING, false, emt -> {
                runs.incrementAndGet();
                return Status.SUCCESS;
            }));
            assertEquals(3, runs.get());
            assertEquals(1, group.requests().call(1, () -> Emt.current().id()));
            assertEquals(1, steps.get(), "a failed body is never stepped again");
        }
    }

    @Test
    void closeIsIdempotentAndJoinsEveryThread() {
        EmtGroupFixture fixture = EmtGroupFixture.spinning(4);
        fixture.close();
        fixture.close();
        for (int id = 0; id < 4; id++) {
            assertFalse(fixture.group.emt(id).thread().isAlive());
        }
        assertThrows(IllegalStateException.class, fixture.group::start);
    }

    @Test
    void closeReleasesEmtsHeldInARendezvousAndFailsTheWaitingCaller() throws Exception {
        CountDownLatch inCallback = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EmtGroupFixture fixture = EmtGroupFixture.idle(3);
        CompletableFuture<Integer> rendezvous = fixture.requests().submit(0,
                () -> fixture.rendezvous().run(RendezvousType.ASCENDING, false, emt -> {
                    if (emt.id() == 0) {
                        inCallback.countDown();
                        release.await(10, TimeUnit.SECONDS);
                    }
                    return Status.SUCCESS;
                }));
        assertTrue(inCallback.await(10, TimeUnit.SECONDS));
        Thread closer = Thread.ofPlatform().start(fixture::close);
        // close() must have marked the group before the callback is released.
        while (!fixture.group.isClosing()) {
            Thread.onSpinWait();
        }
        release.countDown();
        closer.join();
        ExecutionException failed = assertThrows(ExecutionException.class, rendezvous::get);
        assertInstanceOf(EmtGroupClosedException.class, failed.getCause());
        for (int id = 0; id < 3; id++) {
            assertFalse(fixture.group.emt(id).thread().isAlive());
        }
    }

    @Test
    void closeFromAnEmtEndsEveryThread() throws Exception {
        EmtGroupFixture fixture = EmtGroupFixture.idle(3);
        CompletableFuture<Boolean> closed = fixture.requests().submit(1, () -> {
            fixture.group.close();
            return fixture.group.isClosing();
        });
        assertTrue(closed.get());
        for (int id = 0; id < 3; id++) {
            fixture.group.emt(id).thread().join();
        }
        fixture.close();
    }

    @Test
    void concurrentOutsideCallersAreSerialisedThroughEmtZero() throws Exception {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(4)) {
            int callers = 6;
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            AtomicInteger runs = new AtomicInteger();
            List<CompletableFuture<Integer>> results = new java.util.ArrayList<>();
            List<Thread> threads = new java.util.ArrayList<>();
            for (int i = 0; i < callers; i++) {
                CompletableFuture<Integer> result = new CompletableFuture<>();
                results.add(result);
                threads.add(Thread.ofPlatform().start(() -> result.complete(
                        fixture.rendezvous().run(RendezvousType.ASCENDING, false, emt -> {
                            if (inside.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            runs.incrementAndGet();
                            inside.decrementAndGet();
                            return Status.SUCCESS;
                        }))));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            for (CompletableFuture<Integer> result : results) {
                assertEquals(Status.SUCCESS, result.get());
            }
            assertEquals(callers * 4, runs.get());
            assertEquals(0, overlaps.get());
        }
    }

    @Test
    void requestsKickASpinningVcpuOutOfItsSlice() {
        try (EmtGroupFixture fixture = EmtGroupFixture.spinning(2)) {
            assertEquals(1, fixture.requests().call(1, () -> Emt.current().id()));
            assertEquals(0, (int) fixture.requests().call(EmtRequests.ANY, () -> 0));
        }
    }

    @Test
    void kickWakesAnIdleBody() throws Exception {
        CountDownLatch woke = new CountDownLatch(1);
        EmtBody body = emt -> {
            if (emt.awaitWork(TimeUnit.SECONDS.toNanos(60))) {
                woke.countDown();
            }
        };
        try (EmtGroup group = new EmtGroup("kick", 1, body, id -> { })) {
            group.start();
            group.emt(0).kick();
            assertTrue(woke.await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void awaitWorkFromAForeignThreadIsRejected() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(1)) {
            assertThrows(IllegalStateException.class, () -> fixture.group.emt(0).awaitWork(1));
        }
    }

    @Test
    void badConfigurationIsRejected() {
        EmtBody body = emt -> { };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EmtGroup("bad", 0, body, id -> { }));
        assertTrue(e.getMessage().contains("vcpuCount 0"), e.getMessage());
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            assertThrows(IllegalArgumentException.class, () -> fixture.group.emt(2));
            assertThrows(IllegalStateException.class, fixture.group::start);
        }
    }

    @Test
    void rendezvousEmitsAJfrEvent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("rendezvous.jfr");
        try (Recording recording = new Recording(); EmtGroupFixture fixture = EmtGroupFixture.idle(4)) {
            recording.enable("dev.tern.Rendezvous");
            recording.start();
            assertEquals(Status.EM_RESET, fixture.runFrom(2, RendezvousType.ASCENDING, false,
                    emt -> emt.id() == 3 ? Status.EM_RESET : Status.SUCCESS));
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("dev.tern.Rendezvous"))
                .toList();
        assertEquals(1, events.size());
        RecordedEvent event = events.getFirst();
        assertEquals("ASCENDING", event.getString("type"));
        assertEquals(4, event.getInt("vcpus"));
        assertEquals(2, event.getInt("initiator"));
        assertEquals(Status.EM_RESET, event.getInt("status"));
        assertFalse(event.getDuration().isNegative());
    }
}
