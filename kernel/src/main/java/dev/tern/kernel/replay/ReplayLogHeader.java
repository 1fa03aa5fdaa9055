package dev.tern.kernel.replay;

import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.MachineSpec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a replay log was recorded on.
 *
 * @param formatVersion the log format version ({@link ReplayLogCodec#FORMAT_VERSION})
 * @param spiVersion the SPI version of the recording kernel
 * @param configHash SHA-256 of {@code configText}: a replay refuses a machine whose hash differs
 * @param configText the machine configuration the hash covers, for error messages and analysis
 * @param bootArguments how the recording was started (e.g. the {@code tern run} arguments); informative
 * @param checkpointInterval instructions between state fingerprints (0: none)
 * @param snapshotInterval instructions between snapshots embedded in the log (0: none; always 0 in version 1)
 */
public record ReplayLogHeader(int formatVersion, String spiVersion, String configHash, String configText,
                              List<String> bootArguments, long checkpointInterval, long snapshotInterval) {

    public ReplayLogHeader {
        Objects.requireNonNull(spiVersion, "spiVersion");
        Objects.requireNonNull(configHash, "configHash");
        Objects.requireNonNull(configText, "configText");
        bootArguments = List.copyOf(bootArguments);
        if (checkpointInterval < 0) {
            throw new IllegalArgumentException("checkpoint interval " + checkpointInterval + " is negative");
        }
        if (snapshotInterval < 0) {
            throw new IllegalArgumentException("snapshot interval " + snapshotInterval + " is negative");
        }
        if (formatVersion < 1 || formatVersion > ReplayLogCodec.FORMAT_VERSION) {
            throw new IllegalArgumentException("replay log format version " + formatVersion + " is not one this Tern knows");
        }
        if (snapshotInterval > 0 && formatVersion < ReplayLogCodec.FIRST_WITH_SNAPSHOTS) {
            throw new IllegalArgumentException("format version " + formatVersion + " has no embedded snapshots");
        }
    }

    /**
     * The configuration text of {@code spec}: what shapes the guest-visible machine. Device
     * configuration values are left out on purpose — they include host paths (a serial log file)
     * that legitimately differ between a recording and its replays; what they change in the guest
     * shows in the fingerprint at instruction 0.
     */
    public static String configText(MachineSpec spec) {
        var sb = new StringBuilder();
        sb.append("ram=").append(spec.ramSize()).append('\n');
        sb.append("vcpus=").append(spec.vcpus()).append('\n');
        sb.append("cpu=").append(spec.cpu()).append(' ').append(new TreeMap<>(spec.cpuConfig())).append('\n');
        sb.append("nanos-per-instruction=").append(spec.nanosPerInstruction()).append('\n');
        sb.append("on-reset=").append(spec.onReset()).append('\n');
        sb.append("firmware-sha256=").append(spec.firmware() == null ? "none" : sha256(spec.firmware())).append('\n');
        for (DeviceSpec d : spec.devices()) {
            sb.append("device=").append(d.provider()).append(" name=").append(d.instance()).append('\n');
        }
        return sb.toString();
    }

    /** The header for recording {@code spec} without embedded snapshots. */
    public static ReplayLogHeader forMachine(MachineSpec spec, String spiVersion, List<String> bootArguments,
                                             long checkpointInterval) {
        return forMachine(spec, spiVersion, bootArguments, checkpointInterval, 0);
    }

    /** The header for recording {@code spec} with a snapshot embedded every {@code snapshotInterval} instructions (0: none). */
    public static ReplayLogHeader forMachine(MachineSpec spec, String spiVersion, List<String> bootArguments,
                                             long checkpointInterval, long snapshotInterval) {
        String text = configText(spec);
        return new ReplayLogHeader(ReplayLogCodec.FORMAT_VERSION, spiVersion,
                sha256(text.getBytes(StandardCharsets.UTF_8)), text, bootArguments, checkpointInterval, snapshotInterval);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** Lines of {@code configText} that differ from {@code other}'s, for a refusal message. */
    public String configDifference(String other) {
        List<String> mine = configText.lines().toList();
        List<String> theirs = other.lines().toList();
        var out = new StringBuilder();
        for (String l : mine) {
            if (!theirs.contains(l)) {
                out.append("\n  recorded: ").append(l);
            }
        }
        for (String l : theirs) {
            if (!mine.contains(l)) {
                out.append("\n  this machine: ").append(l);
            }
        }
        return out.toString();
    }
}
