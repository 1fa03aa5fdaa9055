package dev.tern.spi.device;

import java.util.Locale;

/**
 * The kinds of guest output that leave the machine for the outside world. A fault-tolerance
 * primary commits output by kind ({@code output-commit=serial,net,blk}): it holds each output of
 * a committed kind until the standby acknowledged the checkpoint that covers it.
 *
 * @since SPI 1.3
 */
public enum OutputKind {
    /** Bytes a character device transmits (a UART's far end). A byte stream: positions count bytes. */
    SERIAL("serial", true, false),
    /** Frames a network card transmits. Positions count frames. */
    NET("net", false, false),
    /**
     * Writes a block device made to its own host image (the device writes first, then hands the
     * write over; its data is the device's own encoding, e.g. offset and bytes). The machine
     * delivers them only to another copy of the image: a fault-tolerance standby applies each
     * checkpoint's writes to its image. Positions count writes.
     */
    BLOCK("blk", false, true);

    private final String label;
    private final boolean byteStream;
    private final boolean appliedByDevice;

    OutputKind(String label, boolean byteStream, boolean appliedByDevice) {
        this.label = label;
        this.byteStream = byteStream;
        this.appliedByDevice = appliedByDevice;
    }

    /**
     * True when the device applied the output itself before handing it over ({@link #BLOCK}): the
     * machine never delivers it back to the same device's sink, only to a copy elsewhere.
     */
    public boolean appliedByDevice() {
        return appliedByDevice;
    }

    /** The name in options and reports: {@code serial}, {@code net}, {@code blk}. */
    public String label() {
        return label;
    }

    /**
     * True when outputs of this kind are pieces of one byte stream (adjacent ones may be joined and
     * a position counts bytes); false when each output is a message of its own (a position counts
     * messages).
     */
    public boolean byteStream() {
        return byteStream;
    }

    /** How far one output of {@code length} bytes advances a channel's position. */
    public long units(int length) {
        return byteStream ? length : 1;
    }

    /**
     * The kind labelled {@code label}.
     *
     * @throws IllegalArgumentException naming the label and the known ones
     */
    public static OutputKind of(String label) {
        for (OutputKind k : values()) {
            if (k.label.equals(label.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("'" + label + "' is not an output kind (serial, net, blk)");
    }
}
