package dev.tern.spi;

import java.util.Objects;

/**
 * The version of this SPI. A plugin records the version it was compiled against in its jar manifest
 * under {@value #MANIFEST_ATTRIBUTE} (the Tern parent POM does this for every module it builds); the
 * kernel refuses a plugin whose major version differs from {@link #CURRENT}'s, or whose minor version
 * is newer than the running SPI's (it may call methods that do not exist here).
 *
 * <p>History: 1.0 the first SPI; 1.1 adds {@code DeviceContext.services()} (per-machine service
 * lookup) and the other compatible additions made with it; 1.2 adds {@code PageCodecProvider.delta()} (the
 * kernel's RAM stream names no codec: it asks the codec what it is) and typed input events bound to
 * instruction counts ({@code MachineControl.inputs}, {@code MachineControl.hostClockNanos}, the
 * {@code ReplayEvent} kinds {@code ClockWarp} and {@code HostRequest}, {@code ReplayFilter.Delivery}); 1.3 adds
 * {@code Vcpu.debug()} and {@code DebugAccess} (a debugger's registers, memory, breakpoints and watchpoints)
 * and guest output channels ({@code MachineControl.outputs}, {@code OutputKind}, {@code OutputSink})
 * through which fault tolerance commits output; 1.4 adds per-vCPU interrupt inputs
 * ({@code CpuInterruptPort}, {@code InterruptRouting.cpuCount} and {@code connectCpu(vcpuId, controller)})
 * for controllers that deliver to a chosen CPU; 1.5 adds {@code Connection.abort()} (a stream that will not be
 * completed is discarded, not committed: a file transport leaves no partial file); 1.6 adds what SMP
 * machines wire with ({@code Vcpu.connectLocalController}, {@code MmioSpace.mapForCpu},
 * {@code InterruptRouting.connectVirtualWire} and {@code tap}) and {@code GuestMemory.awaitPresent} (a post-copy
 * destination's pages that have not arrived yet); 1.7 adds hot-plug ({@code DeviceProvider.hotPluggable},
 * {@code Device.unplugBlocker}); 1.8 adds {@code LiveDisk} and {@code MachineControl.offerDisk} (block
 * migration: a disk image copied to the destination while the guest runs) and {@code Vcpu.markWritableDirty}
 * (a harvest that keeps the vCPUs' write permissions) and {@code StateSection.whenAbsent} (what a stream
 * older than a section stands for); 1.9 adds {@code Device.requestEjection} and
 * {@code MachineControl.ejectDevice} (a hot-plug controller through which the guest gives a device up);
 * 1.10 adds {@code OutputSink.failure()} (a sink says it stopped taking output, so fault tolerance
 * does not count it delivered).
 *
 * @param major incremented for incompatible changes
 * @param minor incremented for compatible additions
 */
public record SpiVersion(int major, int minor) implements Comparable<SpiVersion> {

    /** The manifest attribute in which a plugin jar states the SPI version it was built against. */
    public static final String MANIFEST_ATTRIBUTE = "Tern-Spi-Version";

    /**
     * The SPI version of the running kernel, read from the jar's {@code spi-version.properties},
     * which the build fills in from the parent pom's {@code tern.spi.version} — the one place the
     * version is written, so the plugin manifests, this constant and the docs cannot disagree.
     */
    public static final SpiVersion CURRENT = built();
    /** Major version of this SPI. */
    public static final int MAJOR = CURRENT.major();
    /** Minor version of this SPI. */
    public static final int MINOR = CURRENT.minor();

    private static SpiVersion built() {
        try (var in = SpiVersion.class.getResourceAsStream("spi-version.properties")) {
            if (in == null) {
                throw new IllegalStateException("dev/tern/spi/spi-version.properties is missing from the SPI jar");
            }
            var p = new java.util.Properties();
            p.load(in);
            return parse(Objects.requireNonNull(p.getProperty("version"), "spi-version.properties has no 'version'"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the SPI version", e);
        }
    }

    public SpiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("SPI version parts must not be negative: " + major + "." + minor);
        }
    }

    /**
     * Parses {@code MAJOR.MINOR}.
     *
     * @throws IllegalArgumentException naming the text when it is not of that form
     */
    public static SpiVersion parse(String text) {
        Objects.requireNonNull(text, "text");
        String[] parts = text.trim().split("\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException("SPI version '" + text + "' is not of the form MAJOR.MINOR");
        }
        try {
            return new SpiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SPI version '" + text + "' is not of the form MAJOR.MINOR", e);
        }
    }

    /** Whether a plugin built against {@code this} version can run on {@code runtime}. */
    public boolean runsOn(SpiVersion runtime) {
        return major == runtime.major && minor <= runtime.minor;
    }

    @Override
    public int compareTo(SpiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
