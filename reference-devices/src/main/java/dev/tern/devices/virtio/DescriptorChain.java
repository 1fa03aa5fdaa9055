package dev.tern.devices.virtio;

import dev.tern.spi.memory.GuestMemory;

import java.util.List;

/**
 * One request popped from a virtqueue: the head index to return in the used ring and the guest
 * buffers it names, checked to lie in RAM. The device-readable buffers form one byte stream, the
 * device-writable ones another, so devices do not depend on how the driver split its buffers.
 *
 * @param head descriptor index of the chain head
 * @param readable device-readable buffers, in order
 * @param writable device-writable buffers, in order
 */
public record DescriptorChain(int head, List<Segment> readable, List<Segment> writable) {

    /**
     * A guest buffer.
     *
     * @param gpa guest-physical address
     * @param length bytes
     */
    public record Segment(long gpa, int length) {
    }

    public DescriptorChain {
        readable = List.copyOf(readable);
        writable = List.copyOf(writable);
    }

    /** Total bytes the device may read. */
    public long readableLength() {
        return total(readable);
    }

    /** Total bytes the device may write. */
    public long writableLength() {
        return total(writable);
    }

    private static long total(List<Segment> segments) {
        long n = 0;
        for (Segment s : segments) {
            n += s.length();
        }
        return n;
    }

    /**
     * Copies up to {@code len} readable bytes starting at stream offset {@code offset} into
     * {@code dst}; returns how many there were.
     */
    public int read(GuestMemory memory, long offset, byte[] dst, int off, int len) {
        return copy(readable, memory, offset, dst, off, len, false);
    }

    /**
     * Copies up to {@code len} bytes of {@code src} to the writable stream at {@code offset};
     * returns how many fitted.
     */
    public int write(GuestMemory memory, long offset, byte[] src, int off, int len) {
        return copy(writable, memory, offset, src, off, len, true);
    }

    private static int copy(List<Segment> segments, GuestMemory memory, long offset, byte[] buf, int off, int len,
            boolean toGuest) {
        int done = 0;
        long pos = 0;
        for (Segment s : segments) {
            if (done == len) {
                break;
            }
            long end = pos + s.length();
            if (offset + done < end) {
                long inSeg = offset + done - pos;
                int n = (int) Math.min(len - done, s.length() - inSeg);
                if (toGuest) {
                    memory.write(s.gpa() + inSeg, buf, off + done, n);
                } else {
                    memory.read(s.gpa() + inSeg, buf, off + done, n);
                }
                done += n;
            }
            pos = end;
        }
        return done;
    }
}
