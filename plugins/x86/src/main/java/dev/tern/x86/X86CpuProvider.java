package dev.tern.x86;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.cpu.CpuContext;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.cpu.Vcpu;

import java.util.List;
import dev.tern.x86.jit.BlockCompiler;
import dev.tern.x86.jit.CompilingTier;
import dev.tern.x86.jit.HotCount;

/** The "x86" CPU model: an i686-class interpreter. */
public final class X86CpuProvider implements CpuProvider {

    /**
     * The model a machine gets without {@code model=}. Guest-visible, so it stays what it was when
     * recordings, snapshots and migration streams were made: the signature is EDX at reset, in a
     * recording's first checkpoint, and a replay of a recording made under another default would
     * diverge there (a recording names the options it was given, not the defaults they meant).
     */
    public static final String DEFAULT_MODEL = "pentium-pro";

    /** CPUID.1:EAX (the signature) of the x86 CPU configured by {@code cpuConfig}. */
    public static int signature(java.util.Map<String, String> cpuConfig) {
        return Model.of(cpuConfig.getOrDefault("model", DEFAULT_MODEL)).signature;
    }

    /**
     * CPUID.1:EAX signature per model, all family 6 (P6); the features are what this CPU
     * implements in every model. Linux ignores CPUID's SEP below signature 0x633 (the Pentium Pro
     * advertised SEP without having it), so only "pentium2" lets a guest use SYSENTER.
     */
    enum Model {
        PENTIUM_PRO("pentium-pro", 0x0611),
        PENTIUM_2("pentium2", 0x0652);

        final String id;
        final int signature;

        Model(String id, int signature) {
            this.id = id;
            this.signature = signature;
        }

        static Model of(String id) {
            for (Model m : values()) {
                if (m.id.equals(id)) {
                    return m;
                }
            }
            throw new ConfigException("x86: unknown model '" + id + "' (known: pentium-pro, pentium2)");
        }
    }

    @Override
    public String id() {
        return "x86";
    }

    @Override
    public String description() {
        return "i686-class x86 interpreter (real/protected mode, paging, rings)";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(
                ConfigKey.of("model", ConfigType.STRING, DEFAULT_MODEL,
                        "CPU model reported by CPUID: pentium2 (signature 0x652) or pentium-pro (0x611)"),
                ConfigKey.of("tsc-frequency", ConfigType.INTEGER, "1000000000",
                        "TSC ticks per second of virtual time"),
                ConfigKey.of("fpu", ConfigType.BOOLEAN, "true", "attach the x87 floating-point unit"),
                ConfigKey.of("tier", ConfigType.STRING, "jit",
                        "execution tier: jit (hot blocks of register and memory operations run as translated bytecode), or interp"),
                ConfigKey.of("translate-after", ConfigType.INTEGER, Integer.toString(BlockCompiler.TRANSLATE_AFTER_VISITS),
                        "with tier=jit: entries of a block (or with hot-count=instructions, instructions run in it) before it is translated"),
                ConfigKey.of("hot-count", ConfigType.STRING, "entries",
                        "with tier=jit: what translate-after counts: entries, or instructions (entries times the block's length)"),
                ConfigKey.of("translation", ConfigType.STRING, "background",
                        "with tier=jit: background (a translator thread; the vCPU interprets meanwhile) or inline"),
                ConfigKey.of("code-cache", ConfigType.INTEGER, Integer.toString(CompilingTier.CACHE_BLOCKS),
                        "with tier=jit: translations kept at most (least recently run dropped first)"));
    }

    private static CompilingTier tier(CpuContext context) {
        long after = context.config().integer("translate-after");
        if (after < 1 || after > Integer.MAX_VALUE) {
            throw new ConfigException("x86: translate-after must be 1.." + Integer.MAX_VALUE + " entries, got " + after);
        }
        long cache = context.config().integer("code-cache");
        if (cache < 1 || cache > 1 << 20) {
            throw new ConfigException("x86: code-cache must be 1..1048576 translations, got " + cache);
        }
        String mode = context.config().string("translation");
        boolean inline = switch (mode) {
            case "background" -> false;
            case "inline" -> true;
            default -> throw new ConfigException("x86: unknown translation '" + mode + "' (known: background, inline)");
        };
        String counted = context.config().string("hot-count");
        HotCount count = switch (counted) {
            case "entries" -> HotCount.ENTRIES;
            case "instructions" -> HotCount.INSTRUCTIONS;
            default -> throw new ConfigException("x86: unknown hot-count '" + counted + "' (known: entries, instructions)");
        };
        return new CompilingTier((int) after, count, inline, (int) cache, CompilingTier.CACHE_BYTES);
    }

    @Override
    public Vcpu create(CpuContext context) {
        Model model = Model.of(context.config().string("model"));
        long hz = context.config().integer("tsc-frequency");
        if (hz <= 0 || hz > 100_000_000_000L) {
            throw new ConfigException("x86: tsc-frequency must be 1..100000000000 Hz, got " + hz);
        }
        X86Cpu cpu = X86Cpu.create(context, hz, model.signature);
        String tier = context.config().string("tier");
        switch (tier) {
            case "interp" -> {
                // Off unless -Dtern.x86.translateAfter forced the tier on for the whole JVM (tests).
            }
            case "jit" -> cpu.setTier(tier(context));
            default -> throw new ConfigException("x86: unknown tier '" + tier + "' (known: interp, jit)");
        }
        if (context.config().bool("fpu")) {
            cpu.attachFpu(new X87Unit());
        }
        return cpu;
    }
}
