package dev.tern.kernel.emt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RendezvousRecursionTest {

    private static final int LEVELS = Rendezvous.MAX_RECURSION + 2;

    static Stream<Arguments> recursiveTypesAndSizes() {
        List<Arguments> cases = new ArrayList<>();
        for (RendezvousType type : RendezvousType.values()) {
            if (type.allowsRecursion()) {
                for (int vcpus : new int[] {1, 2, 8}) {
                    cases.add(Arguments.of(type, vcpus));
                }
            }
        }
        return cases.stream();
    }

    /** Nesting: outer rendezvous (depth 0) plus nested ones; each level's first callback recurses. */
    private static final class Nesting {
        final RendezvousType type;
        final Rendezvous rendezvous;
        final int deepest;
        final AtomicIntegerArray runs = new AtomicIntegerArray(LEVELS);
        final AtomicIntegerArray nestedStatus = new AtomicIntegerArray(LEVELS);
        final AtomicBoolean[] recursed = new AtomicBoolean[LEVELS];

        Nesting(RendezvousType type, Rendezvous rendezvous, int deepest) {
            this.type = type;
            this.rendezvous = rendezvous;
            this.deepest = deepest;
            for (int i = 0; i < LEVELS; i++) {
                recursed[i] = new AtomicBoolean();
                nestedStatus.set(i, Integer.MIN_VALUE);
            }
        }

        int level(int depth) {
            return rendezvous.run(type, false, emt -> {
                runs.incrementAndGet(depth);
                if (depth < deepest && recursed[depth].compareAndSet(false, true)) {
                    nestedStatus.set(depth + 1, level(depth + 1));
                }
                return Status.SUCCESS;
            });
        }
    }

    @ParameterizedTest(name = "{0} with {1} EMTs")
    @MethodSource("recursiveTypesAndSizes")
    void recursionToDepthThreeGathersEveryEmtAtEachLevel(RendezvousType type, int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            Nesting nesting = new Nesting(type, fixture.rendezvous(), 3);
            int status = fixture.requests().call(vcpus - 1, () -> nesting.level(0));
            assertEquals(Status.SUCCESS, status);
            int perLevel = type == RendezvousType.ONCE ? 1 : vcpus;
            for (int depth = 0; depth <= 3; depth++) {
                assertEquals(perLevel, nesting.runs.get(depth), "callbacks at depth " + depth);
            }
            for (int depth = 1; depth <= 3; depth++) {
                assertEquals(Status.SUCCESS, nesting.nestedStatus.get(depth), "nested status at depth " + depth);
            }
        }
    }

    @ParameterizedTest(name = "{0} with {1} EMTs")
    @MethodSource("recursiveTypesAndSizes")
    void recursionToDepthFourIsRefusedWithDeadlock(RendezvousType type, int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            Nesting nesting = new Nesting(type, fixture.rendezvous(), 4);
            int status = fixture.requests().call(0, () -> nesting.level(0));
            assertEquals(Status.SUCCESS, status, "the refusal is reported to the recursing callback only");
            assertEquals(Status.DEADLOCK, nesting.nestedStatus.get(4));
            assertEquals(0, nesting.runs.get(4), "no callback of the refused rendezvous ran");
            assertEquals(Status.SUCCESS, nesting.nestedStatus.get(3));
            assertEquals(type == RendezvousType.ONCE ? 1 : vcpus, nesting.runs.get(3));
        }
    }

    @ParameterizedTest(name = "{0} EMTs")
    @ValueSource(ints = {1, 2, 8})
    void recursionFromAllAtOnceIsRefused(int vcpus) {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(vcpus)) {
            ConcurrentLinkedQueue<Integer> nestedStatuses = new ConcurrentLinkedQueue<>();
            AtomicInteger nestedRuns = new AtomicInteger();
            int status = fixture.runFrom(0, RendezvousType.ALL_AT_ONCE, false, emt -> {
                nestedStatuses.add(fixture.rendezvous().run(RendezvousType.ONCE, false, inner -> {
                    nestedRuns.incrementAndGet();
                    return Status.SUCCESS;
                }));
                return Status.SUCCESS;
            });
            assertEquals(Status.SUCCESS, status);
            assertEquals(0, nestedRuns.get());
            assertEquals(vcpus, nestedStatuses.size());
            nestedStatuses.forEach(s -> assertEquals(Status.DEADLOCK, s));
        }
    }

    @Test
    void nestedRendezvousStatusReachesTheRecursingCallbackAndNonCallersLearnInformational() {
        try (EmtGroupFixture fixture = EmtGroupFixture.idle(4)) {
            AtomicInteger nested = new AtomicInteger();
            int status = fixture.runFrom(2, RendezvousType.ONCE, false, emt -> {
                nested.set(fixture.rendezvous().run(RendezvousType.ASCENDING, false,
                        inner -> inner.id() == 3 ? Status.EM_HALT : Status.SUCCESS));
                return Status.SUCCESS;
            });
            assertEquals(Status.SUCCESS, status);
            assertEquals(Status.EM_HALT, nested.get());
            // EMT 0 took part in the nested rendezvous from inside the outer one.
            assertEquals(Status.EM_HALT, fixture.requests().call(0, () -> fixture.group.emt(0).takeRendezvousStatus()));
        }
    }
}
