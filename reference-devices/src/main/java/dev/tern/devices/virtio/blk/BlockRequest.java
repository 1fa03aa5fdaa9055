package dev.tern.devices.virtio.blk;

/** The virtio-blk request types this device knows and the status values it returns. */
enum BlockRequest {
    IN(0), OUT(1), FLUSH(4), GET_ID(8);

    static final int STATUS_OK = 0;
    static final int STATUS_IOERR = 1;
    static final int STATUS_UNSUPPORTED = 2;

    final int code;

    BlockRequest(int code) {
        this.code = code;
    }

    /** The request of {@code code}, or null for one this device does not support. */
    static BlockRequest of(long code) {
        for (BlockRequest r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
