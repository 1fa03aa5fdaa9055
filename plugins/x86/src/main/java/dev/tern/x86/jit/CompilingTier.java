package dev.tern.x86.jit;

import dev.tern.x86.decode.DecodedBlock;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One vCPU's compiling tier: which blocks are hot, their translation (on the shared
 * {@link Translator} thread, or inline when tests force every block through the tier), the
 * {@link CodeCache} holding the results, and the counts {@link TierStats} reports.
 *
 * <p>A finished background translation is installed by the vCPU thread at a block boundary
 * ({@link #installFinished()}). Whether and when a block runs translated never changes the guest's
 * state or instruction count — a translation has the interpreter's semantics and leaves to it at
 * any instruction it does not cover — so runs stay deterministic with translation off the vCPU thread.
 * All methods but {@link #stats()} and the translator's job run on the vCPU thread.
 */
public final class CompilingTier {

    /** Translations a vCPU keeps at most (a Debian boot to its prompt makes a few hundred). */
    public static final int CACHE_BLOCKS = 4096;
    /** Class-file bytes of live translations a vCPU keeps at most. */
    public static final long CACHE_BYTES = 32L << 20;

    private static final BlockCompiler COMPILER = new BlockCompiler();

    private final int translateAfter;
    /** Entries before translation, by block length (the decoder's blocks hold at most 32 instructions). */
    private final int[] hotAfter = new int[33];
    private final boolean inline;
    private final CodeCache cache;
    /** Blocks queued for translation and still in the block table. */
    private final Set<DecodedBlock> pending = Collections.newSetFromMap(new IdentityHashMap<>());
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final AtomicInteger finishedCount = new AtomicInteger();
    /** Released once per finished background translation, for {@link #awaitTranslations()}. */
    private final Semaphore done = new Semaphore(0);
    private int queuedSinceAwait;

    private long translated;
    private long bytes;
    private int largest;
    private long translationNanos;
    private long queueFull;
    private long memoryExits;
    private long translatedInstructions;
    private long prefixExits;
    private long chained;
    private final Map<String, Long> refused = new ConcurrentHashMap<>();
    private final Map<String, Long> partial = new ConcurrentHashMap<>();

    private record Finished(DecodedBlock block, Translation translation) {
    }

    /**
     * A tier translating blocks on their {@code translateAfter}th entry, on the translator thread
     * or, with {@code inline}, at once on the vCPU thread (1 and inline: every translatable block
     * runs translated from its first entry, how tests force the tier), keeping at most
     * {@code cacheBlocks} translations.
     */
    public CompilingTier(int translateAfter, boolean inline, int cacheBlocks) {
        this(translateAfter, inline, cacheBlocks, CACHE_BYTES);
    }

    /** As {@link #CompilingTier(int, boolean, int)}, keeping at most {@code cacheBytes} class-file bytes. */
    public CompilingTier(int translateAfter, boolean inline, int cacheBlocks, long cacheBytes) {
        this(translateAfter, HotCount.ENTRIES, inline, cacheBlocks, cacheBytes);
    }

    /**
     * A tier translating a block once {@code count} reaches {@code translateAfter}: its entries, or the
     * instructions run in it; otherwise as {@link #CompilingTier(int, boolean, int, long)}.
     */
    public CompilingTier(int translateAfter, HotCount count, boolean inline, int cacheBlocks, long cacheBytes) {
        if (translateAfter < 1) {
            throw new IllegalArgumentException("translate after " + translateAfter + " visits: at least 1");
        }
        this.translateAfter = translateAfter;
        for (int n = 0; n < hotAfter.length; n++) {
            hotAfter[n] = count == HotCount.ENTRIES || n == 0 ? translateAfter : Math.max(1, (translateAfter + n - 1) / n);
        }
        this.inline = inline;
        this.cache = new CodeCache(cacheBlocks, cacheBytes);
    }

    /** The threshold: entries of a block, or instructions run in it, before it is translated. */
    public int translateAfter() {
        return translateAfter;
    }

    /** Entries of a block of {@code size} instructions before it is translated. */
    public int hotAfter(int size) {
        return hotAfter[Math.min(size, hotAfter.length - 1)];
    }

    /**
     * {@code b} just reached the threshold: its translation when it is made inline and exists, else
     * null (queued, or refused).
     */
    public CompiledBlock hot(DecodedBlock b, int csLimit) {
        if (inline) {
            return accept(b, COMPILER.translate(b, csLimit));
        }
        if (!pending.add(b)) {
            return null;
        }
        boolean queued = Translator.offer(() -> {
            Translation t;
            try {
                t = COMPILER.translate(b, csLimit);
            } catch (RuntimeException | LinkageError e) {
                // A translator defect must not take the vCPU down: the block keeps interpreting.
                t = new Translation.Refused("translation failed: " + e, 0);
            }
            finished.add(new Finished(b, t));
            finishedCount.incrementAndGet();
            done.release();
        });
        if (queued) {
            queuedSinceAwait++;
        } else {
            pending.remove(b);
            b.visits = 0;
            queueFull++;
        }
        return null;
    }

    /** Whether background translations wait to be installed (a volatile read: cheap at each block entry). */
    public boolean hasFinished() {
        return finishedCount.get() != 0;
    }

    /**
     * Waits until every translation queued so far has finished (they are installed at the vCPU's
     * next block entry): lets a test know which code a run will find translated.
     */
    public void awaitTranslations() throws InterruptedException {
        done.acquire(queuedSinceAwait);
        queuedSinceAwait = 0;
    }

    /** Installs the finished background translations of blocks still in the block table. */
    public void installFinished() {
        for (Finished f; (f = finished.poll()) != null; ) {
            finishedCount.decrementAndGet();
            if (pending.remove(f.block())) {
                accept(f.block(), f.translation());
            }
        }
    }

    private CompiledBlock accept(DecodedBlock b, Translation t) {
        translationNanos += t.nanos();
        return switch (t) {
            case Translation.Done done -> {
                translated++;
                bytes += done.code().bytes;
                largest = Math.max(largest, done.code().bytes);
                if (done.stop() != null) {
                    partial.merge(done.stop(), 1L, Long::sum);
                }
                cache.install(b, done.code());
                yield done.code();
            }
            case Translation.Refused r -> {
                refused.merge(r.cause(), 1L, Long::sum);
                yield null;
            }
        };
    }

    /** {@code b} left the block table: its translation, finished or not, goes with it. */
    public void dropped(DecodedBlock b) {
        pending.remove(b);
        cache.drop(b);
    }

    /** A translated run retired {@code n} instructions (the share of the guest's work the tier does). */
    public void ran(int n) {
        translatedInstructions += n;
    }

    /** A translated run went on straight into its successor block, past the run loop. */
    public void chained() {
        chained++;
    }

    /** A translated run of {@code code} left to the interpreter at instruction {@code at} of its block. */
    public void exited(CompiledBlock code, int at) {
        if (at == code.covered) {
            prefixExits++;
        } else {
            memoryExits++;
        }
    }

    /** The counts so far (read from any thread; the counters of a running vCPU are a moment's view). */
    public TierStats stats() {
        return new TierStats(translated, cache.live(), cache.liveBytes(), bytes, largest, translationNanos, cache.evicted(),
                cache.invalidated(), queueFull, translatedInstructions, chained, refused, partial,
                Map.of("rest of a partly translated block", prefixExits,
                        "memory access off the soft-TLB fast path", memoryExits));
    }
}
