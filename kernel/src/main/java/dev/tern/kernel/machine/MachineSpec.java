package dev.tern.kernel.machine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything needed to assemble a machine. Build with {@link #builder()}.
 *
 * @param ramSize guest RAM in bytes, a multiple of 4 KiB, at least 1 MiB
 * @param vcpus number of vCPUs
 * @param cpu the CPU provider's id
 * @param cpuConfig the CPU provider's configuration
 * @param devices devices, in creation (and reset) order
 * @param firmware a ROM image mapped below 1 MiB and below 4 GiB, or null
 * @param nanosPerInstruction virtual nanoseconds per retired instruction
 * @param pacing idle behaviour of virtual time
 * @param maxInstructions stop after this many instructions on vCPU 0 (0 = no limit)
 * @param onReset what a guest reset does
 * @param scheduling how several vCPUs share the host: in turns on one thread, or each on its own
 */
public record MachineSpec(long ramSize, int vcpus, String cpu, Map<String, String> cpuConfig,
                          List<DeviceSpec> devices, byte[] firmware, long nanosPerInstruction,
                          Pacing pacing, long maxInstructions, ResetPolicy onReset,
                          VcpuScheduling scheduling) {

    /** The largest firmware image: 128 KiB, the PC's 0xE0000-0xFFFFF window. */
    public static final int MAX_FIRMWARE = 128 << 10;

    public MachineSpec {
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(pacing, "pacing");
        Objects.requireNonNull(onReset, "onReset");
        Objects.requireNonNull(scheduling, "scheduling");
        cpuConfig = Map.copyOf(cpuConfig);
        devices = List.copyOf(devices);
        if (ramSize < (1 << 20) || (ramSize & 0xfff) != 0) {
            throw new IllegalArgumentException("RAM size " + ramSize + " must be at least 1M and a multiple of 4K");
        }
        if (ramSize > 0xE000_0000L) {
            throw new IllegalArgumentException("RAM size " + ramSize + " exceeds the 3.5 GiB a 32-bit PC can address below its PCI hole");
        }
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be at least 1, got " + vcpus);
        }
        if (firmware != null && (firmware.length == 0 || firmware.length > MAX_FIRMWARE || (firmware.length & 0xfff) != 0)) {
            throw new IllegalArgumentException("firmware image is " + (firmware == null ? 0 : firmware.length)
                    + " bytes; it must be a non-empty multiple of 4 KiB of at most 128 KiB");
        }
        if (nanosPerInstruction < 1) {
            throw new IllegalArgumentException("nanos per instruction must be at least 1, got " + nanosPerInstruction);
        }
        if (maxInstructions < 0) {
            throw new IllegalArgumentException("instruction limit must not be negative, got " + maxInstructions);
        }
        var names = new java.util.HashSet<String>();
        for (DeviceSpec d : devices) {
            if (!names.add(d.instance())) {
                throw new IllegalArgumentException("two devices are named '" + d.instance() + "'");
            }
        }
    }

    /** This spec with {@code other} as its devices (a hot-plug changed them). */
    public MachineSpec withDevices(List<DeviceSpec> other) {
        return new MachineSpec(ramSize, vcpus, cpu, cpuConfig, other, firmware, nanosPerInstruction, pacing,
                maxInstructions, onReset, scheduling);
    }

    /** A builder with PC defaults: 128 MiB, one x86 vCPU, no devices, 10 ns per instruction. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link MachineSpec}. */
    public static final class Builder {
        private long ramSize = 128L << 20;
        private int vcpus = 1;
        private String cpu = "x86";
        private final Map<String, String> cpuConfig = new LinkedHashMap<>();
        private final List<DeviceSpec> devices = new ArrayList<>();
        private byte[] firmware;
        private long nanosPerInstruction = 10;
        private Pacing pacing = Pacing.WARP;
        private long maxInstructions;
        private ResetPolicy onReset = ResetPolicy.EXIT;
        private VcpuScheduling scheduling = VcpuScheduling.TURNS;

        public Builder ramSize(long bytes) { this.ramSize = bytes; return this; }
        public Builder vcpus(int n) { this.vcpus = n; return this; }
        public Builder cpu(String id, Map<String, String> config) { this.cpu = id; cpuConfig.clear(); cpuConfig.putAll(config); return this; }
        public Builder device(DeviceSpec d) { devices.add(d); return this; }
        public Builder device(String provider, String instance, Map<String, String> config) { return device(new DeviceSpec(provider, instance, config)); }
        public Builder firmware(byte[] image) { this.firmware = image; return this; }
        public Builder nanosPerInstruction(long ns) { this.nanosPerInstruction = ns; return this; }
        public Builder pacing(Pacing p) { this.pacing = p; return this; }
        public Builder maxInstructions(long n) { this.maxInstructions = n; return this; }
        public Builder onReset(ResetPolicy p) { this.onReset = p; return this; }
        public Builder scheduling(VcpuScheduling s) { this.scheduling = s; return this; }

        /** Whether a device of that instance name is already configured. */
        public boolean hasDevice(String instance) {
            return devices.stream().anyMatch(d -> d.instance().equals(instance));
        }

        public MachineSpec build() {
            return new MachineSpec(ramSize, vcpus, cpu, cpuConfig, devices, firmware, nanosPerInstruction,
                    pacing, maxInstructions, onReset, scheduling);
        }
    }
}
