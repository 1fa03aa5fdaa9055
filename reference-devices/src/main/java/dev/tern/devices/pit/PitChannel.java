package dev.tern.devices.pit;

/**
 * One 8254 counter, modelled by when its count was loaded rather than tick by tick: the count
 * and OUT at any time follow from the ticks elapsed since the load. Loads take effect at once (the
 * real chip waits for the next clock edge), except that a new count written while modes 2/3 run is
 * loaded at the end of the current period (the chip does so at the end of a mode 3 half-cycle).
 */
final class PitChannel {

    static final int ACCESS_LATCH = 0;
    static final int ACCESS_LOW = 1;
    static final int ACCESS_HIGH = 2;
    static final int ACCESS_WORD = 3;

    int modeBits;
    int access = ACCESS_WORD;
    boolean bcd;
    int countRegister;
    /** Tick at which counting started, or -1 when no count is loaded. */
    long loadTick = -1;
    boolean gate;
    /** Modes 1 and 5: a gate edge started the count. */
    boolean triggered;
    /** Tick at which a low gate froze counting, or -1. */
    long suspendedAt = -1;
    boolean writeHighNext;
    int writeLow;
    boolean readHighNext;
    boolean countLatched;
    int latchedCount;
    boolean latchReadHigh;
    boolean statusLatched;
    int latchedStatus;
    boolean nullCount;
    /** Modes 2/3: a count written while counting, loaded at {@link #pendingAt}; -1 if none. */
    int pendingCount = -1;
    long pendingAt = -1;

    /** Applies a pending mode 2/3 reload whose period end has passed. */
    void settle(long now) {
        if (pendingCount >= 0 && suspendedAt < 0 && now >= pendingAt) {
            countRegister = pendingCount;
            loadTick = pendingAt;
            pendingCount = -1;
            pendingAt = -1;
            nullCount = false;
        }
    }

    private void dropPending() {
        pendingCount = -1;
        pendingAt = -1;
    }

    void reset(boolean gateHigh) {
        dropPending();
        modeBits = 0;
        access = ACCESS_WORD;
        bcd = false;
        countRegister = 0;
        loadTick = -1;
        gate = gateHigh;
        triggered = false;
        suspendedAt = -1;
        writeHighNext = false;
        writeLow = 0;
        readHighNext = false;
        countLatched = false;
        latchedCount = 0;
        latchReadHigh = false;
        statusLatched = false;
        latchedStatus = 0;
        nullCount = false;
    }

    /** The operating mode 0..5 (6 and 7 alias 2 and 3). */
    int mode() {
        return modeBits >= 6 ? modeBits - 4 : modeBits;
    }

    /** The reload value N: a count of 0 means 65536 (10000 in BCD). */
    long period() {
        if (countRegister == 0) {
            return bcd ? 10_000 : 65_536;
        }
        if (!bcd) {
            return countRegister;
        }
        int v = countRegister;
        return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000L;
    }

    /** Ticks counted since the load (frozen while the gate suspends counting). */
    private long elapsed(long now) {
        return (suspendedAt >= 0 ? suspendedAt : now) - loadTick;
    }

    boolean counting() {
        return loadTick >= 0;
    }

    boolean out(long now) {
        settle(now);
        if (!counting()) {
            return mode() != 0;
        }
        long n = period();
        long d = elapsed(now);
        return switch (mode()) {
            case 0 -> d >= n;
            case 1 -> !triggered || d >= n;
            case 2 -> suspendedAt >= 0 || n <= 1 || d % n != n - 1;
            case 3 -> suspendedAt >= 0 || d % n < (n + 1) / 2;
            case 4 -> d != n;
            default -> !triggered || d != n;
        };
    }

    /** The elapsed tick count at which OUT next changes, as an absolute tick, or -1 if it will not. */
    long nextOutChangeTick(long now) {
        settle(now);
        if (!counting() || suspendedAt >= 0) {
            return -1;
        }
        long n = period();
        long d = elapsed(now);
        long at = switch (mode()) {
            case 0 -> d < n ? n : -1;
            case 1 -> triggered && d < n ? n : -1;
            case 2 -> n <= 1 ? -1 : d - d % n + (d % n < n - 1 ? n - 1 : n);
            case 3 -> (n + 1) / 2 >= n ? -1 : d - d % n + (d % n < (n + 1) / 2 ? (n + 1) / 2 : n);
            case 4 -> d < n ? n : d == n ? n + 1 : -1;
            default -> !triggered ? -1 : d < n ? n : d == n ? n + 1 : -1;
        };
        return at < 0 ? -1 : loadTick + at;
    }

    /** The counting element as the guest reads it. */
    int count(long now) {
        settle(now);
        if (!counting()) {
            return countRegister;
        }
        long n = period();
        long d = elapsed(now);
        long v = switch (mode()) {
            case 2 -> n - d % n;
            case 3 -> {
                long p = d % n;
                long half = (n + 1) / 2;
                yield (n & ~1L) - 2 * (p < half ? p : p - half);
            }
            case 1, 5 -> triggered ? n - d : n;
            default -> n - d;
        };
        return bcd ? toBcd((int) Math.floorMod(v, 10_000L)) : (int) Math.floorMod(v, 65_536L);
    }

    private static int toBcd(int v) {
        return (v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12;
    }

    int status(long now) {
        return (out(now) ? 0x80 : 0) | (nullCount ? 0x40 : 0) | access << 4 | modeBits << 1 | (bcd ? 1 : 0);
    }

    /** A control word selecting this counter with a read/write mode (not a latch). */
    void program(int accessMode, int mode, boolean bcdCounting) {
        access = accessMode;
        modeBits = mode;
        bcd = bcdCounting;
        loadTick = -1;
        triggered = false;
        suspendedAt = -1;
        writeHighNext = false;
        readHighNext = false;
        countLatched = false;
        statusLatched = false;
        nullCount = true;
        dropPending();
    }

    void latchCount(long now) {
        if (!countLatched) {
            latchedCount = count(now);
            countLatched = true;
            latchReadHigh = false;
        }
    }

    void latchStatus(long now) {
        if (!statusLatched) {
            latchedStatus = status(now);
            statusLatched = true;
        }
    }

    int readData(long now) {
        if (statusLatched) {
            statusLatched = false;
            return latchedStatus;
        }
        if (countLatched) {
            return switch (access) {
                case ACCESS_LOW -> {
                    countLatched = false;
                    yield latchedCount & 0xff;
                }
                case ACCESS_HIGH -> {
                    countLatched = false;
                    yield latchedCount >> 8;
                }
                default -> {
                    boolean high = latchReadHigh;
                    latchReadHigh = !high;
                    countLatched = !high;
                    yield high ? latchedCount >> 8 : latchedCount & 0xff;
                }
            };
        }
        int c = count(now);
        return switch (access) {
            case ACCESS_LOW -> c & 0xff;
            case ACCESS_HIGH -> c >> 8;
            default -> {
                boolean high = readHighNext;
                readHighNext = !high;
                yield high ? c >> 8 : c & 0xff;
            }
        };
    }

    void writeData(int value, long now) {
        switch (access) {
            case ACCESS_LOW -> load(value, now);
            case ACCESS_HIGH -> load(value << 8, now);
            default -> {
                if (!writeHighNext) {
                    writeLow = value;
                    writeHighNext = true;
                    if (mode() == 0) {
                        // Writing the first byte stops a mode 0 count: OUT goes low.
                        loadTick = -1;
                    }
                } else {
                    writeHighNext = false;
                    load(writeLow | value << 8, now);
                }
            }
        }
    }

    private void load(int value, long now) {
        settle(now);
        int m = mode();
        if ((m == 2 || m == 3) && counting() && suspendedAt < 0) {
            // The running period completes with the old count; NULL COUNT shows until the reload.
            long n = period();
            pendingCount = value & 0xffff;
            pendingAt = loadTick + ((now - loadTick) / n + 1) * n;
            nullCount = true;
            return;
        }
        dropPending();
        countRegister = value & 0xffff;
        nullCount = false;
        if (m == 1 || m == 5) {
            // Hardware-triggered modes wait for a rising gate edge.
            if (loadTick < 0) {
                loadTick = now;
                triggered = false;
            }
            return;
        }
        loadTick = now;
        suspendedAt = gate ? -1 : now;
    }

    void setGate(boolean high, long now) {
        settle(now);
        if (high == gate) {
            return;
        }
        gate = high;
        if (!counting()) {
            return;
        }
        switch (mode()) {
            case 0, 4 -> {
                if (high && suspendedAt >= 0) {
                    loadTick += now - suspendedAt;
                    suspendedAt = -1;
                } else if (!high) {
                    suspendedAt = now;
                }
            }
            case 2, 3 -> {
                if (high) {
                    // A rising gate reloads at once, taking any pending count with it.
                    if (pendingCount >= 0) {
                        countRegister = pendingCount;
                        nullCount = false;
                        dropPending();
                    }
                    loadTick = now;
                    suspendedAt = -1;
                } else {
                    suspendedAt = now;
                }
            }
            default -> {
                if (high) {
                    loadTick = now;
                    triggered = true;
                }
            }
        }
    }

    ChannelState save() {
        return new ChannelState(modeBits, access, bcd, countRegister, loadTick, gate, triggered, suspendedAt,
                writeHighNext, writeLow, readHighNext, countLatched, latchedCount, latchReadHigh, statusLatched,
                latchedStatus, nullCount, pendingCount, pendingAt);
    }

    void load(ChannelState s) {
        modeBits = s.modeBits();
        access = s.access();
        bcd = s.bcd();
        countRegister = s.countRegister();
        loadTick = s.loadTick();
        gate = s.gate();
        triggered = s.triggered();
        suspendedAt = s.suspendedAt();
        writeHighNext = s.writeHighNext();
        writeLow = s.writeLow();
        readHighNext = s.readHighNext();
        countLatched = s.countLatched();
        latchedCount = s.latchedCount();
        latchReadHigh = s.latchReadHigh();
        statusLatched = s.statusLatched();
        latchedStatus = s.latchedStatus();
        nullCount = s.nullCount();
        pendingCount = s.pendingCount();
        pendingAt = s.pendingAt();
    }
}
