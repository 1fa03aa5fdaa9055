package dev.tern.kernel.ram;

import dev.tern.spi.codec.PageEncoder;

import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The page codecs a sending RAM stream uses, each known only by its plugin id and whether it is a
 * delta codec: the stream names them in its {@link RamRecord#CODECS} record and every encoded page
 * by its index there, so a codec plugin the kernel has never heard of migrates unchanged.
 * Delta codecs are tried first (for pages sent before), then standalone ones.
 */
public final class PageCodecs {

    /** One codec session of the stream. */
    public record Codec(String id, boolean delta, PageEncoder encoder) {
        public Codec {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(encoder, "encoder");
        }
    }

    /** No codec: every page goes raw (or as a zero record). */
    public static final PageCodecs NONE = new PageCodecs(List.of());

    private final List<Codec> codecs;

    private PageCodecs(List<Codec> codecs) {
        this.codecs = List.copyOf(codecs);
    }

    /** The codecs in the order given; at most {@link RamRecord#MAX_CODECS}, ids unique. */
    public static PageCodecs of(List<Codec> codecs) {
        if (codecs.size() > RamRecord.MAX_CODECS) {
            throw new IllegalArgumentException(codecs.size() + " page codecs, more than " + RamRecord.MAX_CODECS);
        }
        List<Codec> ordered = new ArrayList<>();
        codecs.stream().filter(Codec::delta).forEach(ordered::add);
        codecs.stream().filter(c -> !c.delta()).forEach(ordered::add);
        if (ordered.stream().map(Codec::id).distinct().count() != ordered.size()) {
            throw new IllegalArgumentException("page codecs named twice: " + ordered.stream().map(Codec::id).toList());
        }
        return new PageCodecs(ordered);
    }

    /** Whether no codec is in use. */
    public boolean isEmpty() {
        return codecs.isEmpty();
    }

    /** Whether any codec is a delta codec (the sender then keeps what it sent in the codec's cache). */
    public boolean anyDelta() {
        return codecs.stream().anyMatch(Codec::delta);
    }

    List<Codec> list() {
        return codecs;
    }

    /** Writes the {@link RamRecord#CODECS} record (nothing when no codec is in use). */
    void writeTable(DataOutput out) throws IOException {
        if (codecs.isEmpty()) {
            return;
        }
        out.writeLong(RamRecord.CODECS);
        out.writeByte(codecs.size());
        for (Codec c : codecs) {
            out.writeUTF(c.id());
        }
    }

    /** Each codec's counters by id ({@code info migrate}). */
    public Map<String, Map<String, Long>> stats() {
        var m = new java.util.LinkedHashMap<String, Map<String, Long>>();
        codecs.forEach(c -> m.put(c.id(), c.encoder().stats()));
        return m;
    }

    /** Ends every codec session. */
    public void close() {
        codecs.forEach(c -> c.encoder().close());
    }
}
