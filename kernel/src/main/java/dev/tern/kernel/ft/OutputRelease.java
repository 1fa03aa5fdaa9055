package dev.tern.kernel.ft;

import dev.tern.kernel.machine.OutputPath;

import java.io.IOException;

/**
 * The primary's side of output commit (docs/protocols/ft.md, "Output commit"): delivering a
 * checkpoint's held output once the standby acknowledged it, in steps of {@code release-step}
 * outputs each reported to the standby (RELEASED), so that a standby taking over repeats at most
 * one step; and delivering everything held when there is no standby to wait for.
 */
final class OutputRelease {

    private final OutputPath output;
    private final FtConfig config;
    /** The lease (at the witness, or on the lease file); null without fencing. */
    private final Lease lease;

    OutputRelease(OutputPath output, FtConfig config, Lease lease) {
        this.output = output;
        this.config = config;
        this.lease = lease;
    }

    /**
     * Delivers the output checkpoint {@code seq} held, now that the standby has it, telling the
     * standby how far it got every {@code release-step} outputs and at the batch's end: a standby
     * taking over later delivers only what was not reported, at most one step again.
     *
     * @throws OutputRefusedException when a sink did not take an output: RELEASED counted only the
     *     outputs before it, and nothing more is released here
     */
    void delivered(FtWire w, long seq) throws IOException {
        if (!output.holding()) {
            return;
        }
        OutputPath.Progress p;
        boolean first = true;
        // Each step only while the lease still covers now: a primary stopped mid-release (SIGSTOP)
        // and woken after its lease ran out must not go on releasing what the standby, which took
        // over meanwhile, delivers itself. What stays held goes with the next checkpoint, or nowhere.
        while ((lease == null || lease.validNow()) && (p = output.releaseStep(seq, config.releaseStep())) != null) {
            if (p.complete()) {
                CheckpointSender.testHalt(p.checkpoint(), "released");
            }
            w.sendReleased(p.checkpoint(), p.done());
            if (first) {
                CheckpointSender.testHalt(p.checkpoint(), "step");
                first = false;
            }
        }
        var notTaken = output.refusal();
        if (notTaken.isPresent()) {
            throw new OutputRefusedException(notTaken.get());
        }
    }

    /**
     * Delivers everything held and holds no more. With a witness, first a lease renewal sent after
     * now must be granted: from then on no standby can take over while this side runs, so the
     * world may see its output.
     */
    void openAll() {
        try {
            if (lease == null || lease.confirmedAfter(System.nanoTime())) {
                output.open();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The output commit lines of {@code info ft}. */
    String render() {
        if (config.outputCommit().isEmpty()) {
            return "output commit: off\n";
        }
        return commitText() + "held-output limits: " + output.limits() + "\n";
    }

    private String commitText() {
        long[] totals = output.totals();
        return "output commit: " + String.join(",", config.outputCommit().stream().sorted().map(k -> k.label()).toList())
                + " (latency " + config.outputLatency().toMillis() + " ms, release step " + config.releaseStep()
                + "), " + (output.holding() ? "holding" : "open") + "; held now: " + output.pendingOutputs()
                + " outputs, " + output.pendingBytes() + " bytes; held in all: " + totals[0]
                + " bytes, delivered after a checkpoint: " + totals[1] + " bytes\n";
    }
}
