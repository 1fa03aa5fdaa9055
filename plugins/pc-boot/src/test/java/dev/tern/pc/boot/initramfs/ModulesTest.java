package dev.tern.pc.boot.initramfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.pc.boot.InvalidImageException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModulesTest {

    @Test
    void modinfoNameAndDependsAreRead() {
        var m = KernelModule.parse("kernel/drivers/net/virtio_net.ko", ModuleElf.module(
                "license=GPL\0depends=net_failover,virtio,virtio_ring\0retpoline=Y\0name=virtio_net\0\0\0"));
        assertEquals("virtio_net", m.name());
        assertEquals(List.of("net_failover", "virtio", "virtio_ring"), m.depends());
        var none = KernelModule.parse("kernel/lib/x-y.ko", ModuleElf.module("depends=\0"));
        assertEquals("x_y", none.name(), "name from the file when modinfo lacks it");
        assertEquals(List.of(), none.depends());
    }

    @Test
    void malformedModulesAreRejected() {
        byte[] ok = ModuleElf.module("name=a\0");
        byte[] noTable = ok.clone();
        java.nio.ByteBuffer.wrap(noTable).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x20, ok.length);
        var e = assertThrows(InvalidImageException.class, () -> KernelModule.parse("a.ko", noTable));
        assertTrue(e.getMessage().startsWith("a.ko: ELF section table"), e.getMessage());
        assertThrows(InvalidImageException.class, () -> KernelModule.parse("a.ko", new byte[60]));
        byte[] badSection = ok.clone();
        int shoff = java.nio.ByteBuffer.wrap(ok).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0x20);
        java.nio.ByteBuffer.wrap(badSection).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(shoff + 40 + 20, 1 << 30);
        assertTrue(assertThrows(InvalidImageException.class, () -> KernelModule.parse("a.ko", badSection))
                .getMessage().contains("ELF section 1"));
    }

    @Test
    void dependenciesLoadFirstInDeterministicOrder() {
        var all = Map.of(
                "virtio", new KernelModule("virtio", "v.ko", List.of()),
                "virtio_ring", new KernelModule("virtio_ring", "vr.ko", List.of()),
                "failover", new KernelModule("failover", "f.ko", List.of()),
                "net_failover", new KernelModule("net_failover", "nf.ko", List.of("failover")),
                "virtio_net", new KernelModule("virtio_net", "vn.ko", List.of("net_failover", "virtio", "virtio_ring")),
                "virtio_blk", new KernelModule("virtio_blk", "vb.ko", List.of("virtio", "virtio_ring")));
        var order = ModuleOrder.resolve(List.of("virtio_blk", "virtio_net"), all).stream()
                .map(KernelModule::name).toList();
        assertEquals(List.of("virtio", "virtio_ring", "virtio_blk", "failover", "net_failover", "virtio_net"), order);
        assertEquals("kernel/x.ko: kernel/b.ko kernel/a.ko\n", InitramfsBuilder.modulesDep(
                List.of(new KernelModule("x", "kernel/x.ko", List.of("a", "b"))),
                Map.of("a", new KernelModule("a", "kernel/a.ko", List.of()),
                        "b", new KernelModule("b", "kernel/b.ko", List.of()))));
    }

    @Test
    void missingAndCyclicDependenciesAreReported() {
        var missing = Map.of("a", new KernelModule("a", "a.ko", List.of("b")));
        assertTrue(assertThrows(InvalidImageException.class, () -> ModuleOrder.resolve(List.of("a"), missing))
                .getMessage().contains("module b (needed by a) is not in the kernel package"));
        var cycle = Map.of("a", new KernelModule("a", "a.ko", List.of("b")),
                "b", new KernelModule("b", "b.ko", List.of("a")));
        assertTrue(assertThrows(InvalidImageException.class, () -> ModuleOrder.resolve(List.of("a"), cycle))
                .getMessage().contains("cycle"));
    }
}
