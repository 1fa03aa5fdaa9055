package dev.tern.x86;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.cpu.CpuContext;
import dev.tern.spi.cpu.CpuProvider;
import dev.tern.spi.cpu.Vcpu;
import dev.tern.spi.clock.Timer;
import dev.tern.spi.clock.VirtualClock;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.x86.conformance.FlatGuestMemory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class X86CpuProviderTest {

    private static CpuProvider provider() {
        return ServiceLoader.load(CpuProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.id().equals("x86")).findFirst().orElseThrow();
    }

    /** A context over fixtures with the given explicit config values (defaults from the provider). */
    private static CpuContext context(Map<String, Object> values) {
        CpuProvider p = provider();
        Config config = new Config() {
            @Override
            public Optional<Object> value(String key) {
                if (values.containsKey(key)) {
                    return Optional.of(values.get(key));
                }
                return p.configKeys().stream().filter(k -> k.name().equals(key)).findFirst()
                        .map(k -> k.type().parse(k.defaultValue()));
            }

            @Override
            public Set<String> explicitKeys() {
                return values.keySet();
            }
        };
        GuestMemory memory = new FlatGuestMemory(1 << 20);
        return new CpuContext() {
            public int vcpuId() {
                return 0;
            }

            public Config config() {
                return config;
            }

            public GuestMemory memory() {
                return memory;
            }

            public PortIoSpace ports() {
                return new MapPortSpace();
            }

            public MmioSpace mmio() {
                return null;
            }

            public VirtualClock clock() {
                return new VirtualClock() {
                    public long nanos() {
                        return 0;
                    }

                    public Timer newTimer(String name, Runnable callback) {
                        throw new UnsupportedOperationException();
                    }
                };
            }

            public InterruptController interruptController() {
                return () -> 0x20;
            }
        };
    }

    @Test
    void providerIsFoundByServiceLoaderWithItsConfigKeys() {
        CpuProvider p = provider();
        assertTrue(p.configKeys().stream().anyMatch(k -> k.name().equals("tsc-frequency")));
        assertTrue(p.configKeys().stream().anyMatch(k -> k.name().equals("model")));
    }

    @Test
    void createsAVcpuInTheResetState() {
        Vcpu v = provider().create(context(Map.of()));
        X86Cpu cpu = (X86Cpu) v;
        assertEquals(0xfff0, cpu.core().eip);
        assertEquals(0xf000, cpu.core().seg[1].selector);
        assertEquals("x86-cpu", v.sections().getFirst().name());
    }

    @Test
    void badConfigurationIsRefusedWithTheKeyNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider().create(context(Map.of("tsc-frequency", 0L))));
        assertTrue(e.getMessage().contains("tsc-frequency"), e.getMessage());
        ConfigException m = assertThrows(ConfigException.class,
                () -> provider().create(context(Map.of("model", "z80"))));
        assertTrue(m.getMessage().contains("z80"), m.getMessage());
    }

    @Test
    void theTierKeySelectsTheCompilingTierAndRefusesOthers() {
        assertTrue(provider().configKeys().stream().anyMatch(k -> k.name().equals("tier")));
        X86Cpu cpu = (X86Cpu) provider().create(context(Map.of("tier", "jit")));
        assertEquals(0, cpu.translatedBlocks());
        ConfigException t = assertThrows(ConfigException.class,
                () -> provider().create(context(Map.of("tier", "tcg"))));
        assertTrue(t.getMessage().contains("tcg") && t.getMessage().contains("tier"), t.getMessage());
    }

    @Test
    void theCompilingTiersKeysAreCheckedAndItsStatsStartAtZero() {
        X86Cpu cpu = (X86Cpu) provider().create(context(Map.of("tier", "jit", "translate-after", 5L,
                "translation", "inline", "code-cache", 8L)));
        assertEquals(0, cpu.tierStats().translated());
        assertEquals(0, cpu.tierStats().live());
        assertTrue(((X86Cpu) provider().create(context(Map.of()))).tierStats() != null, "the tier is on by default");
        // -Dtern.x86.translateAfter (the forced-tier suite run) turns the tier on whatever the option.
        boolean forced = Integer.getInteger("tern.x86.translateAfter") != null;
        assertEquals(forced, ((X86Cpu) provider().create(context(Map.of("tier", "interp")))).tierStats() != null,
                "stats exactly when the tier is on");
        for (var bad : List.of(Map.<String, Object>of("tier", "jit", "translate-after", 0L),
                Map.<String, Object>of("tier", "jit", "code-cache", 0L),
                Map.<String, Object>of("tier", "jit", "translation", "eager"),
                Map.<String, Object>of("tier", "jit", "hot-count", "bytes"))) {
            String key = bad.keySet().stream().filter(k -> !k.equals("tier")).findFirst().orElseThrow();
            ConfigException e = assertThrows(ConfigException.class, () -> provider().create(context(bad)), bad.toString());
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void hotCountInstructionsMakesLongBlocksHotAfterFewerEntries() {
        var entries = new dev.tern.x86.jit.CompilingTier(800, dev.tern.x86.jit.HotCount.ENTRIES, true, 8, 1 << 20);
        var instructions = new dev.tern.x86.jit.CompilingTier(800, dev.tern.x86.jit.HotCount.INSTRUCTIONS, true, 8, 1 << 20);
        for (int size : new int[] {1, 3, 32}) {
            assertEquals(800, entries.hotAfter(size), "entries, block of " + size);
        }
        assertEquals(800, instructions.hotAfter(1));
        assertEquals(267, instructions.hotAfter(3), "rounded up: 267 entries of 3 instructions reach 800");
        assertEquals(25, instructions.hotAfter(32));
        assertEquals(1, new dev.tern.x86.jit.CompilingTier(1, dev.tern.x86.jit.HotCount.INSTRUCTIONS, true, 8, 1 << 20).hotAfter(32),
                "at least one entry");
        X86Cpu cpu = (X86Cpu) provider().create(context(Map.of("tier", "jit", "hot-count", "instructions")));
        assertEquals(0, cpu.tierStats().translated());
    }
}
