package dev.tern.x86.jit;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The thread that translates hot blocks for every vCPU of the JVM, so a vCPU never waits for a
 * translation: it keeps interpreting the block until the translation is installed. The queue is
 * bounded; a block that finds it full is counted and becomes a candidate again later.
 */
final class Translator {

    /** Translations waiting at most; a boot's hot blocks arrive in bursts of a few dozen. */
    static final int QUEUE = 256;

    private static final BlockingQueue<Runnable> JOBS = new ArrayBlockingQueue<>(QUEUE);

    static {
        Thread t = Thread.ofPlatform().daemon().name("tern-x86-translator").unstarted(Translator::work);
        t.start();
    }

    private Translator() {
    }

    /** Queues a translation job; false when the queue is full. */
    static boolean offer(Runnable job) {
        return JOBS.offer(job);
    }

    private static void work() {
        while (true) {
            Runnable job;
            try {
                job = JOBS.take();
            } catch (InterruptedException e) {
                // Nothing interrupts this daemon thread on purpose; keep serving.
                continue;
            }
            job.run();
        }
    }
}
