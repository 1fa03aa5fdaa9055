package dev.tern.kernel.migration;

import dev.tern.kernel.memory.DirtyLog;
import dev.tern.kernel.memory.GuestRam;
import dev.tern.kernel.ram.CodecPlugins;
import dev.tern.kernel.ram.PageCodecs;
import dev.tern.kernel.ram.PageSet;
import dev.tern.kernel.ram.RamReceiver;
import dev.tern.kernel.ram.RamSender;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.kernel.state.Frame;
import dev.tern.kernel.state.SavedStateReader;
import dev.tern.kernel.state.SavedStateWriter;
import dev.tern.spi.memory.GuestMemory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a scratch RAM into another scratch RAM, through the frame writer and reader and every
 * installed page codec, until both ends' RAM paths are compiled: a fresh JVM would otherwise scan,
 * send, apply (and clear) the first hundreds of megabytes of a real migration in the interpreter —
 * a cost QEMU, compiled ahead of time, never pays. Touches no machine.
 */
final class RamPathWarmUp {

    /**
     * The scratch RAM and how often it goes through: enough calls for the JIT to compile the
     * per-page and per-record paths (thousands of pages), little enough to cost a fraction of a
     * second of one core.
     */
    private static final long SIZE = 4L << 20;
    private static final int PASSES = 8;
    private static final int ROUNDS = 3;

    /** Receives one part of the stream, as the real destination does. */
    interface PartReceiver {
        void receive(RamReceiver ram, byte[] payload, long offset) throws IOException;
    }

    private RamPathWarmUp() {
    }

    static void run(CodecPlugins codecs, PartReceiver parts) throws IOException {
        List<String> codecIds = codecs.available();
        try (GuestRam from = GuestRam.builder().ram("warm-up", 0, SIZE).build();
             GuestRam to = GuestRam.builder().ram("warm-up", 0, SIZE).build()) {
            fill(from, 0);
            from.dirtyLog().enable();
            for (int pass = 0; pass < PASSES; pass++) {
                List<PageCodecs.Codec> sessions = new ArrayList<>();
                for (String id : pass % 2 == 0 ? codecIds : List.<String>of()) {
                    sessions.add(codecs.encoder(id, SIZE));
                }
                RamSender sender = RamSender.primed(from, PageCodecs.of(sessions));
                RamReceiver receiver = RamReceiver.of(to, codecs::decoder, List.of());
                try {
                    byte[] stream = stream(from, sender);
                    replay(stream, receiver, parts);
                } finally {
                    sender.close();
                    receiver.close();
                }
            }
        }
    }

    /**
     * Harvests made on a scratch dirty log as large as the machine's (bits only, no RAM): take the
     * log, merge it into the pending set, count and walk it, as the switch-over does with the guest
     * paused. The pre-copy rounds sync only a few times, so without this the pause takes the log in
     * the interpreter — a millisecond for a 256 MiB guest, much of it atomic accesses interpreted.
     */
    static void harvest(long ramEnd) {
        var log = new DirtyLog(ramEnd);
        log.enable();
        long pages = log.pageCount();
        var pending = new PageSet(pages);
        long stride = Math.max(1, pages / 64);
        long seen = 0;
        for (int i = 0; i < HARVESTS; i++) {
            for (long p = i % stride; p < pages; p += stride) {
                log.markPage(p);
            }
            pending.clear();
            pending.addAll(log.syncAndClear());
            for (long p = pending.next(0); p >= 0; p = pending.next(p + 1)) {
                seen++;
            }
            seen -= pending.count();
        }
        if (seen != 0) {
            throw new IllegalStateException("warm-up: the harvest walked " + seen + " pages more than it counted");
        }
    }

    /** Enough takes of a log the size of a small guest's for the JIT to compile them. */
    private static final int HARVESTS = 200;

    /**
     * A pattern of zero, sparse and full pages, changed a little each round. The changes fall both
     * near a page's start and anywhere in it, and some are longer than 127 bytes, so a delta codec
     * meets run lengths of one and of two bytes: a branch the warm-up never took is compiled as a
     * trap, and the first real page to take it would send the codec back to the interpreter in the
     * middle of a migration (XBZRLE's run-length writer did that to a 64 MiB rewriter's third round).
     */
    private static void fill(GuestRam ram, int round) {
        int page = GuestMemory.PAGE_SIZE;
        long pages = SIZE / page;
        for (long p = 0; p < pages; p += 3) {
            long at = p * page;
            ram.writeU32(at + 4 * (round % 64), (int) (p * 2654435761L) + round);
            ram.writeU32(at + 4 * ((p * 1021 + round * 2053L) % (page / 4)), (int) (p * 40503L) ^ round);
            if (p % 7 == 0) {
                for (int i = 0; i < 256; i += 8) {
                    ram.writeU64(at + page / 4 + i, p * 17 + i + round);
                }
            }
            if (p % 33 == 0) {
                for (int i = 0; i < page; i += 8) {
                    ram.writeU64(at + i, p * 31 + i + round);
                }
            }
        }
    }

    private static byte[] stream(GuestRam ram, RamSender sender) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var writer = new SavedStateWriter(bytes, ConfigHeader.of("warm-up", ram));
        writer.startLive(sender);
        while (!writer.iterateLive(sender, 1 << 20)) {
            // the first pass, in parts as a migration sends it
        }
        for (int round = 1; round <= ROUNDS; round++) {
            ram.dirtyLog().syncAndClear();
            fill(ram, round);
            sender.beginRound(PageSet.of(ram.dirtyLog().syncAndClear()));
            while (!writer.iterateLive(sender, 1 << 20)) {
                // a later round
            }
        }
        writer.endLive(sender);
        writer.finish();
        return bytes.toByteArray();
    }

    private static void replay(byte[] stream, RamReceiver receiver, PartReceiver parts) throws IOException {
        SavedStateReader reader = new SavedStateReader(new ByteArrayInputStream(stream));
        for (Frame f = reader.next(); !(f instanceof Frame.Eof); f = reader.next()) {
            switch (f) {
                case Frame.Open o -> parts.receive(receiver, o.payload(), o.payloadOffset());
                case Frame.Part p -> parts.receive(receiver, p.payload(), p.payloadOffset());
                case Frame.Eof e -> { }
            }
        }
    }
}
