package dev.tern.x86;

import dev.tern.spi.cpu.CpuProvider;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertTrue;

class X86CpuProviderTest {

    @Test
    void providerIsFoundByServiceLoaderWithItsConfigKeys() {
        CpuProvider p = ServiceLoader.load(CpuProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.id().equals("x86")).findFirst().orElseThrow();
        assertTrue(p.configKeys().stream().anyMatch(k -> k.name().equals("tsc-frequency")));
        assertTrue(p.configKeys().stream().anyMatch(k -> k.name().equals("model")));
    }
}
