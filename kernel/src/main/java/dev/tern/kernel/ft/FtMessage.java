package dev.tern.kernel.ft;

/**
 * The message kinds of the fault-tolerance wire ({@code docs/protocols/ft.md}). Every message is
 * {@code u8 kind, u32 length (big-endian), payload}; each kind bounds its own payload, so a
 * hostile peer cannot make the reader allocate more than {@link #maxPayload()}.
 */
enum FtMessage {
    /** Both ways, first: magic, version, a fresh 32-byte nonce. */
    WELCOME(1, 8 + 2 + FtHandshake.NONCE_BYTES),
    /** Both ways: HMAC-SHA256 over the role and both nonces. */
    AUTH(2, 32),
    /**
     * Primary to standby: the primary's heartbeat timeout, the page codecs it offers (as in
     * ACCEPTED) and the machine description.
     */
    CONFIG(3, 64 << 10),
    /**
     * Standby to primary: authenticated and configured alike; the full sync may begin. The page
     * codecs the checkpoints use (a subset of those offered in CONFIG): u8 count, each u8 length
     * and ASCII id.
     */
    ACCEPTED(4, 1 + dev.tern.kernel.ram.RamRecord.MAX_CODECS * (1 + FtConfig.MAX_CODEC_ID)),
    /** Either way: the peer refuses (authentication, configuration, a checkpoint); UTF-8 reason. */
    REFUSED(5, 4096),
    /** Primary to standby: u64 sequence, u64 page records, u64 stream bytes, u32 CRC32C of the stream. */
    CHECKPOINT_BEGIN(0x10, 28),
    /** Primary to standby: the next bytes of the checkpoint's saved-state stream. */
    CHECKPOINT_DATA(0x11, 1 << 20),
    /** Primary to standby: u64 sequence; the checkpoint's bytes are all sent. */
    CHECKPOINT_END(0x12, 8),
    /**
     * Primary to standby, before checkpoint 0: u64 round, u64 page records, u64 stream bytes, u32
     * CRC32C; a pre-copy round of the full sync (RAM only, read while the guest ran), followed by
     * CHECKPOINT_DATA and CHECKPOINT_END like a checkpoint. Not a point to take over from.
     */
    PRECOPY_BEGIN(0x15, 28),
    /** Standby to primary: u64 sequence of the checkpoint now applied. */
    ACK(0x13, 8),
    /**
     * Primary to standby: u64 sequence, u32 count; the first {@code count} outputs that checkpoint
     * held were delivered (sent every few outputs and at the batch's end), so a standby taking over
     * must not deliver them again.
     */
    RELEASED(0x14, 12),
    /** Lease client to witness: u64 holder id, u64 lease in milliseconds, u8 role (0 primary, 1 standby). */
    LEASE_REQUEST(0x30, 17),
    /** Witness to client: u64 milliseconds granted (0 answering a LEASE_RELEASE). */
    LEASE_GRANTED(0x31, 8),
    /** Witness to client: u64 current holder id, u64 milliseconds until its lease runs out. */
    LEASE_DENIED(0x32, 16),
    /** Lease client to witness: u64 holder id; give the lease back (a planned switch-over). */
    LEASE_RELEASE(0x33, 8),
    /**
     * Primary to witness: u64 holder id; the guest ended under this lease, so no standby may take
     * it over (answered with LEASE_GRANTED 0).
     */
    LEASE_END(0x34, 8),
    /** Witness to a standby's request: u64 id of the primary whose guest ended; never take over. */
    LEASE_ENDED(0x35, 8),
    /** Both ways, periodically: I am alive. */
    HEARTBEAT(0x20, 0),
    /** Primary to standby: the last checkpoint was final; take over now (planned switch-over). */
    FAILOVER(0x21, 8);

    private final int code;
    private final int maxPayload;

    FtMessage(int code, int maxPayload) {
        this.code = code;
        this.maxPayload = maxPayload;
    }

    int code() {
        return code;
    }

    int maxPayload() {
        return maxPayload;
    }

    static FtMessage ofCode(int code) {
        for (FtMessage m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        return null;
    }
}
