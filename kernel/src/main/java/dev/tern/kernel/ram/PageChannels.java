package dev.tern.kernel.ram;

import java.io.IOException;
import java.util.Map;

/**
 * The multifd channels a {@link RamSender} hands its pages to (made with
 * {@link RamSender#multifd}): each channel owns a share of the pages ({@link PageSet#share}) and its
 * own sender, codec sessions and connection, and sends on its own thread. The main stream then
 * carries no page at all. Every call returns only when each channel has done its part.
 */
public interface PageChannels {

    /** How many channels there are. */
    int count();

    /** Counters every channel's sender adds to (the main sender reports them). */
    RamCounters counters();

    /** Opens each channel's RAM stream and starts its first pass over its share of every page. */
    void setup() throws IOException;

    /** Starts a round over each channel's share of {@code pages}. */
    void beginRound(PageSet pages);

    /**
     * Each channel sends at most about {@code maxBytes} divided among the channels; returns whether
     * every channel has sent its whole share of the round (and flushed it to its connection).
     */
    boolean sendPart(long maxBytes) throws IOException;

    /** Ends each channel's round (its counters). */
    void endRound();

    /** Sends each channel's rest of the round and ends its stream: the switch-over's last pages. */
    void complete() throws IOException;

    /** Pages of the current round no channel has sent yet. */
    long remainingPages();

    /** Bytes put on the channels' connections, framing included. */
    long wireBytes();

    /** Each codec's counters by id, summed over the channels (rates averaged). */
    Map<String, Map<String, Long>> codecStats();

    /** Ends every channel: its codec sessions, thread and connection. Idempotent. */
    void close();
}
