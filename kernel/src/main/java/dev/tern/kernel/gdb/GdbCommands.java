package dev.tern.kernel.gdb;

import dev.tern.spi.cpu.DebugAccess;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The GDB packets that read or change the paused machine — registers (g, G, p, P), memory (m, M, X),
 * breakpoints and watchpoints (Z, z) and the target description — each turned into its reply. A
 * malformed packet gets an errno-style reply ({@code E16}, EINVAL; {@code E0e}, EFAULT, for memory
 * that is not there), which is all GDB 13 reads, and the reason naming what was wrong goes to the
 * complaint sink (tern's stderr); an unknown packet gets the empty reply GDB reads as "not supported".
 */
final class GdbCommands {

    private static final HexFormat HEX = HexFormat.of();
    /** The most bytes one m packet may ask for: the reply (two hex digits a byte) must fit the packet size. */
    static final int MAX_READ = RspChannel.MAX_PAYLOAD / 2;

    /** EINVAL and EFAULT, as GDB's error replies carry them. */
    static final String INVALID = "E16", NO_MEMORY = "E0e";

    private final DebugTarget target;
    private final java.util.function.Consumer<String> complaints;
    private final DebugAccess cpu;
    private final int[] sizes;
    private final int total;

    GdbCommands(DebugTarget target, java.util.function.Consumer<String> complaints) {
        this.target = target;
        this.complaints = complaints;
        this.cpu = target.cpu();
        this.sizes = cpu.registerSizes();
        int t = 0;
        for (int s : sizes) {
            t += s;
        }
        this.total = t;
    }

    /** The reply to packet {@code p} (not empty). */
    String execute(String p) {
        try {
            return switch (p.charAt(0)) {
                case 'g' -> readAll();
                case 'G' -> writeAll(p.substring(1));
                case 'p' -> readOne(p.substring(1));
                case 'P' -> writeOne(p.substring(1));
                case 'm' -> readMemory(p.substring(1));
                case 'M' -> writeMemory(p.substring(1), false);
                case 'X' -> writeMemory(p.substring(1), true);
                case 'Z', 'z' -> stop(p.substring(1), p.charAt(0) == 'Z');
                case 'H', 'T' -> "OK"; // one thread
                default -> "";
            };
        } catch (BadPacket | IllegalArgumentException e) {
            return refuse(p, e.getMessage(), INVALID);
        }
    }

    /** Tells the complaint sink why {@code p} was refused and returns {@code reply}. */
    private String refuse(String p, String why, String reply) {
        complaints.accept("refused '" + (p.length() <= 40 ? p : p.substring(0, 40) + "...") + "': " + why);
        return reply;
    }

    /** A request that is malformed; the message names what. */
    static final class BadPacket extends RuntimeException {
        BadPacket(String message) {
            super(message);
        }
    }

    private String readAll() {
        byte[] all = new byte[total];
        int off = 0;
        for (int n = 0; n < sizes.length; n++) {
            cpu.readRegister(n, all, off);
            off += sizes[n];
        }
        return HEX.formatHex(all);
    }

    private String writeAll(String hex) {
        byte[] all = bytes(hex, "G register data");
        if (all.length != total) {
            throw new BadPacket("G carries " + all.length + " bytes, the registers take " + total);
        }
        byte[] before = new byte[total];
        int off = 0;
        int n = 0;
        try {
            for (; n < sizes.length; n++) {
                cpu.readRegister(n, before, off);
                // only changed registers are written: read-only ones (x87 here) accept their own value
                if (!java.util.Arrays.equals(before, off, off + sizes[n], all, off, off + sizes[n])) {
                    cpu.writeRegister(n, all, off);
                }
                off += sizes[n];
            }
        } catch (IllegalArgumentException refused) {
            // a refused G changes nothing: the registers before the refused one get their values back
            for (int k = n - 1, o = off; k >= 0; k--) {
                o -= sizes[k];
                if (!java.util.Arrays.equals(before, o, o + sizes[k], all, o, o + sizes[k])) {
                    cpu.writeRegister(k, before, o);
                }
            }
            throw refused;
        }
        return "OK";
    }

    private String readOne(String arg) {
        int n = register(arg);
        byte[] v = new byte[sizes[n]];
        cpu.readRegister(n, v, 0);
        return HEX.formatHex(v);
    }

    private String writeOne(String arg) {
        int eq = arg.indexOf('=');
        if (eq < 0) {
            throw new BadPacket("P needs REGISTER=VALUE");
        }
        int n = register(arg.substring(0, eq));
        byte[] v = bytes(arg.substring(eq + 1), "P value");
        if (v.length != sizes[n]) {
            throw new BadPacket("register " + n + " takes " + sizes[n] + " bytes, P carries " + v.length);
        }
        cpu.writeRegister(n, v, 0);
        return "OK";
    }

    private int register(String hex) {
        long n = number(hex, "register number");
        if (n >= sizes.length) {
            throw new BadPacket("register number " + n + " is outside 0.." + (sizes.length - 1));
        }
        return (int) n;
    }

    private String readMemory(String arg) {
        long[] al = addressLength(arg, "m");
        if (al[1] > MAX_READ) {
            throw new BadPacket("m asks for " + al[1] + " bytes, at most " + MAX_READ + " fit a reply");
        }
        byte[] buf = new byte[(int) al[1]];
        int got = cpu.readMemory(al[0], buf, 0, buf.length);
        if (got == 0 && buf.length > 0) {
            return refuse("m" + arg, "no RAM mapped at 0x" + Long.toHexString(al[0]), NO_MEMORY);
        }
        return HEX.formatHex(buf, 0, got);
    }

    private String writeMemory(String arg, boolean binary) {
        int colon = arg.indexOf(':');
        if (colon < 0) {
            throw new BadPacket((binary ? "X" : "M") + " needs ADDRESS,LENGTH:DATA");
        }
        long[] al = addressLength(arg.substring(0, colon), binary ? "X" : "M");
        String data = arg.substring(colon + 1);
        byte[] bytes = binary ? data.getBytes(StandardCharsets.ISO_8859_1) : bytes(data, "M data");
        if (bytes.length != al[1]) {
            throw new BadPacket("the length says " + al[1] + " bytes, the data has " + bytes.length);
        }
        // all or nothing: a write that would run off RAM or into ROM leaves the bytes it reached as they were
        byte[] before = new byte[bytes.length];
        int readable = cpu.readMemory(al[0], before, 0, before.length);
        if (readable < bytes.length) {
            return refuse(binary ? "X" : "M", "no RAM mapped at 0x" + Long.toHexString(al[0] + readable), NO_MEMORY);
        }
        int put = cpu.writeMemory(al[0], bytes, 0, bytes.length);
        if (put < bytes.length) {
            cpu.writeMemory(al[0], before, 0, put);
            return refuse(binary ? "X" : "M", "no writable RAM at 0x" + Long.toHexString(al[0] + put), NO_MEMORY);
        }
        return "OK";
    }

    private String stop(String arg, boolean insert) {
        String[] f = arg.split(",", -1);
        if (f.length < 3) {
            throw new BadPacket("Z/z needs TYPE,ADDRESS,KIND");
        }
        long type = number(f[0], "breakpoint type");
        long address = number(f[1], "address");
        String kindText = f[2].contains(";") ? f[2].substring(0, f[2].indexOf(';')) : f[2];
        long kind = number(kindText, "kind");
        if (type >= 2 && (kind < 1 || kind > 4096)) {
            throw new BadPacket("watchpoint length " + kind + " is outside 1..4096");
        }
        if (type > 4 || !target.setStop((int) type, address, (int) kind, insert)) {
            return "";
        }
        return "OK";
    }

    /** Sets the PC for c/s ADDRESS; null when done, else the error reply. */
    String setPc(String hexAddress) {
        try {
            long a = number(hexAddress, "resume address");
            byte[] v = new byte[sizes[pcNumber()]];
            for (int i = 0; i < v.length; i++) {
                v[i] = (byte) (a >>> (8 * i));
            }
            cpu.writeRegister(pcNumber(), v, 0);
            return null;
        } catch (BadPacket | IllegalArgumentException e) {
            return refuse("c/s " + hexAddress, e.getMessage(), INVALID);
        }
    }

    private int pcNumber() {
        return cpu.programCounterRegister();
    }

    /** qXfer:features:read:ANNEX:OFFSET,LENGTH. */
    String targetXml(String arg) {
        int colon = arg.indexOf(':');
        if (colon < 0) {
            return refuse("qXfer:features:read:" + arg, "it needs ANNEX:OFFSET,LENGTH", INVALID);
        }
        if (!arg.substring(0, colon).equals("target.xml")) {
            return "E00";
        }
        try {
            long[] ol = addressLength(arg.substring(colon + 1), "qXfer");
            byte[] doc = cpu.targetDescription().getBytes(StandardCharsets.UTF_8);
            if (ol[0] >= doc.length) {
                return "l";
            }
            int n = (int) Math.min(Math.min(ol[1], doc.length - ol[0]), MAX_READ);
            boolean last = ol[0] + n >= doc.length;
            return (last ? "l" : "m") + new String(doc, (int) ol[0], n, StandardCharsets.ISO_8859_1);
        } catch (BadPacket e) {
            return refuse("qXfer:features:read:" + arg, e.getMessage(), INVALID);
        }
    }

    private static long[] addressLength(String arg, String what) {
        int comma = arg.indexOf(',');
        if (comma < 0) {
            throw new BadPacket(what + " needs ADDRESS,LENGTH");
        }
        return new long[] {number(arg.substring(0, comma), "address"), number(arg.substring(comma + 1), "length")};
    }

    private static long number(String hex, String what) {
        if (hex.isEmpty() || hex.length() > 16) {
            throw new BadPacket(what + " '" + clip(hex) + "' is not 1 to 16 hex digits");
        }
        try {
            return Long.parseUnsignedLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new BadPacket(what + " '" + clip(hex) + "' is not hexadecimal");
        }
    }

    private static byte[] bytes(String hex, String what) {
        if (hex.length() % 2 != 0) {
            throw new BadPacket(what + " has an odd number of hex digits");
        }
        try {
            return HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new BadPacket(what + " is not hexadecimal");
        }
    }

    private static String clip(String s) {
        return s.length() <= 20 ? s : s.substring(0, 20) + "...";
    }
}
