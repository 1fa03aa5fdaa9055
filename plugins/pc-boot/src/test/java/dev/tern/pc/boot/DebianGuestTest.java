package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Checks the loader against the real Debian bookworm i386 kernel that scripts/fetch-guest.sh
 * downloads. The file is optional (60 MB, network): the test runs when {@code guest/vmlinuz}
 * exists at the repository root or the system property {@code tern.guest.dir} names a directory
 * holding {@code vmlinuz} (and optionally {@code initrd.cpio}); otherwise it is reported as
 * skipped by the assumption below. Everything else is covered by synthetic images.
 */
class DebianGuestTest {

    private static Path guestDir() {
        String configured = System.getProperty("tern.guest.dir");
        return configured != null ? Path.of(configured) : Path.of("..", "..", "guest");
    }

    @Test
    void realDebianKernelParsesAndLaysOut() {
        Path dir = guestDir();
        Path vmlinuz = dir.resolve("vmlinuz");
        Assumptions.assumeTrue(Files.isRegularFile(vmlinuz),
                "optional real kernel absent: run scripts/fetch-guest.sh or set -Dtern.guest.dir (looked in "
                        + dir.toAbsolutePath().normalize() + ")");
        var image = LinuxImage.load(vmlinuz);
        var header = image.header().orElseThrow();
        assertTrue(header.version() >= 0x020F, "bookworm kernels speak protocol 2.15: " + header);
        assertTrue(header.relocatable());
        assertEquals(0x1000000, header.prefAddress(), "CONFIG_PHYSICAL_START");
        assertEquals(0x1000000, image.kernel().start(), "vmlinux p_paddr of the first segment");
        assertEquals(0x1000000, image.kernel().entry(), "startup_32 at the physical load address");
        assertTrue(image.reservedEnd() >= image.kernel().end());
        assertTrue(header.initrdAddrMax() >= 0x37FFFFFF);

        Path initrd = dir.resolve("initrd.cpio");
        var boot = LinuxBoot.prepare(vmlinuz, Files.isRegularFile(initrd) ? initrd : null,
                "console=ttyS0 nolapic noapic acpi=off", 256L << 20);
        assertEquals(0x1000000, boot.entry());
        var last = boot.blobs().getLast();
        if (Files.isRegularFile(initrd)) {
            assertEquals("initrd", last.name());
            assertTrue(last.end() <= 256L << 20 && last.address() >= image.reservedEnd());
        }
    }
}
