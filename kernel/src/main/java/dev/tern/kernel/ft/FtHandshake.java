package dev.tern.kernel.ft;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.ram.RamRecord;
import dev.tern.kernel.state.ConfigHeader;
import dev.tern.spi.memory.RamRegion;
import dev.tern.spi.state.StateSection;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

/**
 * The start of every fault-tolerance connection: versioned welcome, mutual challenge-response
 * authentication (HMAC-SHA256 of the shared secret over both nonces; the secret never travels),
 * then the configuration check. Either side refuses with a reason the other prints.
 */
final class FtHandshake {

    static final int NONCE_BYTES = 32;
    // 2: pre-copy rounds (PRECOPY_BEGIN) before checkpoint 0; 3: page codecs offered in CONFIG, chosen in ACCEPTED;
    // 4: the count in RELEASED; 5: the vCPU count in CONFIG
    static final int VERSION = 6;
    /** The most vCPUs a CONFIG may announce (APIC IDs are one byte, as in the saved state's header). */
    static final int MAX_VCPUS = 255;
    private static final byte[] MAGIC = "TERN-FT\0".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * Test hook: halt this JVM inside the handshake of either role: {@code welcome} (both WELCOMEs
     * exchanged, before AUTH), {@code auth} (both proofs exchanged, before CONFIG) or {@code config}
     * (the primary sent CONFIG / the standby read and accepted it, before ACCEPTED).
     */
    static final String HALT_PROPERTY = "tern.ft.test.halt-handshake";

    private FtHandshake() {
    }

    /** What the standby accepted: its heartbeat timeout from the primary and the page codecs both use. */
    record Accepted(long timeoutMillis, List<String> codecs) {
    }

    /**
     * The primary's side; returns the page codecs the standby accepted of those {@code offered}
     * (in the offered order) when it accepted the session.
     */
    static List<String> primary(FtWire wire, byte[] secret, String description, int vcpus, long timeoutMillis,
            List<String> offered) throws IOException {
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU count " + vcpus + " is not 1.." + MAX_VCPUS);
        }
        byte[] mine = nonce();
        byte[] theirs = welcome(wire, mine);
        testHalt("welcome");
        wire.send(FtMessage.AUTH, ByteBuffer.wrap(mac(secret, "primary", theirs, mine)));
        if (!provesSecret(wire, secret, "standby", mine, theirs)) {
            wire.send(FtMessage.REFUSED, "authentication failed: the standby does not know the shared secret");
            throw new FtRefusedException("the standby failed authentication (a different password file?)");
        }
        testHalt("auth");
        byte[] text = description.getBytes(StandardCharsets.UTF_8);
        byte[] ids = codecList(offered);
        wire.send(FtMessage.CONFIG, ByteBuffer.allocate(8 + 1 + ids.length + text.length).putLong(timeoutMillis)
                .put((byte) vcpus).put(ids).put(text).flip());
        testHalt("config");
        ByteBuffer accepted = wire.expect(FtMessage.ACCEPTED).payload();
        List<String> chosen = readCodecList(accepted, "ACCEPTED");
        if (accepted.hasRemaining() || !offered.containsAll(chosen)) {
            throw new IOException("ft wire: ACCEPTED names page codecs " + chosen + ", not a subset of the offered "
                    + offered);
        }
        return chosen;
    }

    /**
     * The standby's side; returns the primary's heartbeat timeout and the page codecs chosen: those
     * offered that {@code decodable} accepts (a standby without a codec does not refuse the
     * primary: the checkpoints are sent without it, larger but correct).
     */
    static Accepted standby(FtWire wire, byte[] secret, String description, int vcpus, Predicate<String> decodable)
            throws IOException {
        byte[] mine = nonce();
        byte[] theirs = welcome(wire, mine);
        testHalt("welcome");
        if (!provesSecret(wire, secret, "primary", mine, theirs)) {
            wire.send(FtMessage.REFUSED, "authentication failed: the standby refuses this password");
            throw new FtRefusedException("authentication failed (a different password file?)");
        }
        try {
            return configured(wire, secret, mine, theirs, description, vcpus, decodable);
        } catch (FtRefusedException e) {
            throw e;
        } catch (IOException e) {
            // the peer proved the secret: this is the primary, and it went away (or broke the protocol)
            throw new FtPrimaryLostException(e.getMessage(), e);
        }
    }

    /** The standby's side after the primary proved the secret: its own proof, CONFIG, ACCEPTED. */
    private static Accepted configured(FtWire wire, byte[] secret, byte[] mine, byte[] theirs, String description,
            int vcpus, Predicate<String> decodable) throws IOException {
        wire.send(FtMessage.AUTH, ByteBuffer.wrap(mac(secret, "standby", theirs, mine)));
        testHalt("auth");
        ByteBuffer config = wire.expect(FtMessage.CONFIG).payload();
        if (config.remaining() < 9) {
            throw new IOException("ft wire: CONFIG of " + config.remaining() + " bytes lacks the timeout and vCPU count");
        }
        long timeout = config.getLong();
        if (timeout < FtConfig.MIN.toMillis() || timeout > FtConfig.MAX.toMillis()) {
            throw new IOException("ft wire: CONFIG announces a heartbeat timeout of " + timeout + " ms");
        }
        int theirVcpus = Byte.toUnsignedInt(config.get());
        if (theirVcpus == 0) {
            throw new IOException("ft wire: CONFIG at byte 8 announces 0 vCPUs");
        }
        String vcpuMismatch = vcpuMismatch(theirVcpus, vcpus);
        if (vcpuMismatch != null) {
            // before the description, whose cpu and device lines differ too: this says what to change
            wire.send(FtMessage.REFUSED, "configuration mismatch: " + vcpuMismatch);
            throw new FtRefusedException("configuration mismatch: " + vcpuMismatch);
        }
        List<String> offered = readCodecList(config, "CONFIG");
        String theirDescription = StandardCharsets.UTF_8.decode(config).toString();
        String difference = difference(theirDescription, description);
        if (difference != null) {
            wire.send(FtMessage.REFUSED, "configuration mismatch: " + difference);
            throw new FtRefusedException("configuration mismatch: " + difference);
        }
        List<String> chosen = offered.stream().filter(decodable).toList();
        testHalt("config");
        wire.send(FtMessage.ACCEPTED, ByteBuffer.wrap(codecList(chosen)));
        return new Accepted(timeout, chosen);
    }

    /**
     * Why a standby of {@code standby} vCPUs cannot follow a primary of {@code primary} (each
     * vCPU's registers and local APIC are checkpointed), naming both counts; null when equal.
     */
    static String vcpuMismatch(int primary, int standby) {
        if (primary == standby) {
            return null;
        }
        return "the primary is a machine with " + primary + " vCPU" + (primary == 1 ? "" : "s") + ", this standby has "
                + standby + " (--smp " + standby + "): start the standby with --smp " + primary;
    }

    /** {@code u8 count, count × (u8 length, ASCII id)}. */
    static byte[] codecList(List<String> ids) {
        var b = new java.io.ByteArrayOutputStream();
        b.write(ids.size());
        for (String id : ids) {
            byte[] a = id.getBytes(StandardCharsets.US_ASCII);
            b.write(a.length);
            b.writeBytes(a);
        }
        return b.toByteArray();
    }

    /** Reads a codec list, refusing more than {@link RamRecord#MAX_CODECS}, empty, long or non-ASCII ids. */
    static List<String> readCodecList(ByteBuffer in, String where) throws IOException {
        if (!in.hasRemaining()) {
            throw new IOException("ft wire: " + where + " lacks its page codec list");
        }
        int n = Byte.toUnsignedInt(in.get());
        if (n > RamRecord.MAX_CODECS) {
            throw new IOException("ft wire: " + where + " names " + n + " page codecs, more than " + RamRecord.MAX_CODECS);
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = in.hasRemaining() ? Byte.toUnsignedInt(in.get()) : -1;
            if (len < 1 || len > FtConfig.MAX_CODEC_ID || len > in.remaining()) {
                throw new IOException("ft wire: " + where + " page codec #" + i + " has a bad length");
            }
            byte[] a = new byte[len];
            in.get(a);
            String id = new String(a, StandardCharsets.US_ASCII);
            if (!id.chars().allMatch(c -> c > ' ' && c < 0x7f) || ids.contains(id)) {
                throw new IOException("ft wire: " + where + " page codec #" + i + " is not a printable, distinct id");
            }
            ids.add(id);
        }
        return List.copyOf(ids);
    }

    /** A lease client's side with the witness: both prove the shared secret. */
    static void leaseClient(FtWire wire, byte[] secret) throws IOException {
        byte[] mine = nonce();
        byte[] theirs = welcome(wire, mine);
        wire.send(FtMessage.AUTH, ByteBuffer.wrap(mac(secret, "lease-client", theirs, mine)));
        if (!provesSecret(wire, secret, "witness", mine, theirs)) {
            throw new FtRefusedException("the witness failed authentication (a different password file?)");
        }
    }

    /** The witness's side with a lease client. */
    static void witness(FtWire wire, byte[] secret) throws IOException {
        byte[] mine = nonce();
        byte[] theirs = welcome(wire, mine);
        if (!provesSecret(wire, secret, "lease-client", mine, theirs)) {
            wire.send(FtMessage.REFUSED, "authentication failed: the witness refuses this password");
            throw new FtRefusedException("a lease client failed authentication");
        }
        wire.send(FtMessage.AUTH, ByteBuffer.wrap(mac(secret, "witness", theirs, mine)));
    }

    /** Reads the peer's AUTH and checks it proves the secret in {@code role} over both nonces (constant time). */
    private static boolean provesSecret(FtWire wire, byte[] secret, String role, byte[] mine, byte[] theirs)
            throws IOException {
        byte[] proof = new byte[32];
        FtWire.exactly(wire.expect(FtMessage.AUTH), 32).get(proof);
        return MessageDigest.isEqual(proof, mac(secret, role, mine, theirs));
    }

    private static byte[] welcome(FtWire wire, byte[] mine) throws IOException {
        wire.send(FtMessage.WELCOME, ByteBuffer.allocate(MAGIC.length + 2 + NONCE_BYTES).put(MAGIC)
                .putShort((short) VERSION).put(mine).flip());
        FtWire.Message m = wire.expect(FtMessage.WELCOME);
        ByteBuffer b = FtWire.exactly(m, MAGIC.length + 2 + NONCE_BYTES);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("ft wire: the peer is not a Tern fault-tolerance endpoint (bad magic)");
        }
        int version = Short.toUnsignedInt(b.getShort());
        if (version != VERSION) {
            wire.send(FtMessage.REFUSED, "protocol version " + version + " is not " + VERSION);
            throw new IOException("ft wire: the peer speaks protocol version " + version + ", this one " + VERSION);
        }
        byte[] theirs = new byte[NONCE_BYTES];
        b.get(theirs);
        if (Arrays.equals(theirs, mine)) {
            throw new IOException("ft wire: the peer echoed this side's nonce (a reflection)");
        }
        return theirs;
    }

    /** The test hook: ends this JVM as abruptly as SIGKILL at handshake point {@code where}. */
    private static void testHalt(String where) {
        if (where.equals(System.getProperty(HALT_PROPERTY))) {
            System.err.println("ft: test hook: halting in the handshake (" + where + ")");
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    /** HMAC-SHA256(secret, role || verifier's nonce || prover's nonce). */
    static byte[] mac(byte[] secret, String role, byte[] verifierNonce, byte[] proverNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(role.getBytes(StandardCharsets.US_ASCII));
            mac.update(verifierNonce);
            mac.update(proverNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HmacSHA256", e);
        }
    }

    /**
     * What both sides must share to run the same guest: machine type, RAM layout, CPU model and
     * count, every state section (the device set) and the firmware, which is not checkpointed; and
     * the fencing kind: a standby without the lease its primary keeps would take over while the
     * primary, fenced, runs on.
     */
    static String describe(Machine machine, FtConfig config) {
        StringBuilder b = new StringBuilder();
        ConfigHeader h = ConfigHeader.of(MachineSnapshot.MACHINE_TYPE, machine.memory());
        b.append("machine: ").append(h.machineType()).append(", page ").append(h.pageSize()).append(", SPI ")
                .append(h.spiVersion().major()).append('\n');
        b.append("ram: ").append(h.regions()).append('\n');
        b.append("cpu: ").append(machine.spec().cpu()).append(machine.spec().cpuConfig()).append(" x")
                .append(machine.spec().vcpus()).append('\n');
        List<StateSection<?>> sections = machine.sections();
        b.append("devices: ");
        for (StateSection<?> s : sections) {
            b.append(s.name()).append('/').append(s.instance()).append(" v").append(s.version()).append(' ');
        }
        b.append('\n');
        b.append("firmware: ").append(romDigest(machine)).append('\n');
        b.append(machine.outputs().limits().describe()).append('\n');
        b.append("fencing: ").append(config.fencing().kind()).append('\n');
        return b.toString();
    }

    private static String romDigest(Machine machine) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (RamRegion r : machine.memory().regions()) {
                if (r.readOnly()) {
                    sha.update(r.segment().toArray(ValueLayout.JAVA_BYTE));
                }
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** The first line that differs, as "primary 'x' / standby 'y'"; null when equal. */
    static String difference(String primary, String standby) {
        String[] a = primary.split("\n");
        String[] b = standby.split("\n");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "";
            String y = i < b.length ? b[i] : "";
            if (!x.equals(y)) {
                return "primary has '" + x + "', standby has '" + y + "'";
            }
        }
        return null;
    }
}
