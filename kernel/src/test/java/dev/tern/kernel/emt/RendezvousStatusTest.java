package dev.tern.kernel.emt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RendezvousStatusTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = RendezvousType.class, names = {"ONE_BY_ONE", "ASCENDING", "DESCENDING"})
    void stopOnErrorSkipsEveryLaterCallback(RendezvousType type) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(8)) {
            ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
            int status = fixture.runFrom(0, type, true, emt -> {
                ran.add(emt.id());
                return ran.size() == 3 ? -7 : Status.SUCCESS;
            });
            assertEquals(-7, status);
            assertEquals(3, ran.size(), "callbacks after the failing third one must not run: " + ran);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = RendezvousType.class, names = {"ONE_BY_ONE", "ASCENDING", "DESCENDING", "ALL_AT_ONCE"})
    void withoutStopOnErrorAllCallbacksRunAndTheFirstErrorWins(RendezvousType type) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(8)) {
            ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
            Object order = new Object();
            int status = fixture.runFrom(5, type, false, emt -> {
                int position;
                synchronized (order) {
                    ran.add(emt.id());
                    position = ran.size();
                }
                return switch (position) {
                    case 2 -> Status.EM_SUSPEND;
                    case 3 -> -10;
                    case 6 -> -20;
                    default -> Status.SUCCESS;
                };
            });
            assertEquals(8, ran.size());
            if (type != RendezvousType.ALL_AT_ONCE) {
                assertEquals(-10, status);
            } else {
                assertTrue(status == -10 || status == -20, "an error must win: " + status);
            }
        }
    }

    @Test
    void informationalStatusesMergeByEmPriority() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(4)) {
            List<Integer> results = List.of(Status.EM_HALT, Status.EM_PENDING_REQUEST, Status.EM_SUSPEND,
                    Status.EM_RESCHEDULE);
            int status = fixture.runFrom(1, RendezvousType.ASCENDING, false, emt -> results.get(emt.id()));
            assertEquals(Status.EM_SUSPEND, status);
            for (int id : new int[] {0, 2, 3}) {
                Emt emt = fixture.group.emt(id);
                assertEquals(Status.EM_SUSPEND, fixture.requests().call(id, emt::takeRendezvousStatus),
                        "non-caller " + id);
                assertEquals(Status.SUCCESS, fixture.requests().call(id, emt::takeRendezvousStatus),
                        "taking clears");
            }
        }
    }

    @Test
    void nonCallersNeverLearnErrors() {
        // As in VirtualBox: the error replaced the earlier EM_HALT in the merged status, and errors
        // are for the initiator only, so the other EMT learns nothing.
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            int status = fixture.runFrom(0, RendezvousType.ASCENDING, false, emt -> emt.id() == 1 ? -3 : Status.EM_HALT);
            assertEquals(-3, status);
            assertEquals(Status.SUCCESS, fixture.requests().call(1, fixture.group.emt(1)::takeRendezvousStatus));
        }
    }

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void callbackExceptionReachesTheInitiatorAndStopsLaterCallbacks(int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
            IllegalStateException boom = new IllegalStateException("boom");
            EmtRequestException wrapped = assertThrows(EmtRequestException.class,
                    () -> fixture.runFrom(0, RendezvousType.ASCENDING, true, emt -> {
                        ran.add(emt.id());
                        if (emt.id() == 0) {
                            throw boom;
                        }
                        return Status.SUCCESS;
                    }));
            RendezvousException failure = assertInstanceOf(RendezvousException.class, wrapped.getCause());
            assertEquals(Status.CALLBACK_EXCEPTION, failure.status());
            assertEquals(boom, failure.getCause());
            assertEquals(List.of(0), List.copyOf(ran));
        }
    }

    @Test
    void callbackExceptionFromForwardedRendezvousIsRethrownToTheOutsideCaller() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            RendezvousException failure = assertThrows(RendezvousException.class,
                    () -> fixture.rendezvous().run(RendezvousType.ONE_BY_ONE, false, emt -> {
                        throw new java.io.IOException("disk gone on " + emt.id());
                    }));
            assertInstanceOf(java.io.IOException.class, failure.getCause());
            assertEquals(1, failure.getCause().getSuppressed().length, "second throwable kept as suppressed");
            // The group still works afterwards.
            assertEquals(Status.SUCCESS, fixture.rendezvous().run(RendezvousType.ALL_AT_ONCE, false, emt -> 0));
        }
    }

    @Test
    void stopOnErrorWithAllAtOnceIsRejected() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> fixture.rendezvous().run(RendezvousType.ALL_AT_ONCE, true, emt -> 0));
            assertTrue(e.getMessage().contains("STOP_ON_ERROR"), e.getMessage());
        }
    }
}
