package dev.tern.pc.boot;

import dev.tern.pc.boot.initramfs.InitramfsBuilder;
import dev.tern.pc.boot.initramfs.KernelModule;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;

/**
 * Command-line entry point used by scripts/fetch-guest.sh: turns a Debian linux-image package and
 * busybox-static into {@code <out>/vmlinuz} and {@code <out>/initrd.cpio}.
 *
 * <pre>
 * GuestBuilder --kernel-deb linux-image-....deb --busybox-deb busybox-static_....deb --out guest
 *              [--module name]...   (default: virtio_pci virtio_blk virtio_net)
 * </pre>
 * Outputs are written to temporary files and renamed, so an interrupted run leaves no half file.
 */
public final class GuestBuilder {

    private GuestBuilder() {
    }

    /** Runs the builder; exits with status 2 on bad arguments, 1 on bad input. */
    public static void main(String[] args) {
        try {
            run(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("GuestBuilder: " + e.getMessage());
            System.err.println("usage: GuestBuilder --kernel-deb FILE --busybox-deb FILE --out DIR [--module NAME]...");
            System.exit(2);
        } catch (InvalidImageException | IOException e) {
            System.err.println("GuestBuilder: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Parses {@code args}, builds and writes the guest files, reporting to {@code log}. */
    static void run(String[] args, PrintStream log) throws IOException {
        Path kernelDeb = null;
        Path busyboxDeb = null;
        Path out = null;
        var modules = new ArrayList<String>();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--kernel-deb" -> kernelDeb = Path.of(required(args[i], value));
                case "--busybox-deb" -> busyboxDeb = Path.of(required(args[i], value));
                case "--out" -> out = Path.of(required(args[i], value));
                case "--module" -> modules.add(required(args[i], value));
                default -> throw new IllegalArgumentException("unknown argument \"" + args[i] + "\"");
            }
            i++;
        }
        if (kernelDeb == null || busyboxDeb == null || out == null) {
            throw new IllegalArgumentException("--kernel-deb, --busybox-deb and --out are required");
        }
        var files = InitramfsBuilder.build(kernelDeb, busyboxDeb,
                modules.isEmpty() ? InitramfsBuilder.VIRTIO_MODULES : modules);
        Files.createDirectories(out);
        write(out.resolve("vmlinuz"), o -> o.write(files.vmlinuz()));
        write(out.resolve("initrd.cpio"), files.initramfs()::writeTo);
        log.printf("kernel %s: vmlinuz %d bytes, initrd.cpio %d bytes (%d members)%n", files.kernelRelease(),
                Files.size(out.resolve("vmlinuz")), Files.size(out.resolve("initrd.cpio")), files.initramfs().size());
        log.println("modules in load order: " + files.modules().stream().map(KernelModule::name).toList());
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private static void write(Path target, Writer writer) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        try {
            try (var o = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(o);
            }
            readableByAll(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Temporary files are created owner-only; the outputs are ordinary build products. */
    private static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep the default permissions
        }
    }
}
