package dev.tern.pc.boot.initramfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A cpio "newc" archive (the format the kernel unpacks into rootfs; see the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst) built in memory. Each member is a
 * 110-byte ASCII header ({@code "070701"} then thirteen 8-digit hex fields: ino, mode, uid, gid,
 * nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check), the
 * NUL-terminated name padded to a multiple of 4 from the header start, and the data padded to 4;
 * the archive ends with a {@code TRAILER!!!} member.
 *
 * <p>For reproducible bytes every member is owned by root with mtime 0, inode numbers count up
 * from 1 in insertion order, and missing parent directories are added (mode 0755) just before
 * their first child.
 */
public final class Initramfs {

    /** File type bits of st_mode. */
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    private static final String TRAILER = "TRAILER!!!";

    private record Member(String name, int mode, int nlink, byte[] data, int rdevMajor, int rdevMinor) {
    }

    private final List<Member> members = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** Adds a directory with permission bits {@code perm}. */
    public Initramfs directory(String path, int perm) {
        return add(path, S_IFDIR | perm(perm, path), 2, new byte[0], 0, 0);
    }

    /** Adds a regular file. */
    public Initramfs file(String path, int perm, byte[] data) {
        return add(path, S_IFREG | perm(perm, path), 1, data, 0, 0);
    }

    /** Adds a symbolic link; its data is the target path. */
    public Initramfs symlink(String path, String target) {
        if (target.isEmpty() || target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("initramfs: symlink " + path + " needs a non-empty target without NUL");
        }
        return add(path, S_IFLNK | 0777, 1, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    /** Adds a character device node. */
    public Initramfs charDevice(String path, int perm, int major, int minor) {
        return add(path, S_IFCHR | perm(perm, path), 1, new byte[0], device(major, path), device(minor, path));
    }

    /** Adds a block device node. */
    public Initramfs blockDevice(String path, int perm, int major, int minor) {
        return add(path, S_IFBLK | perm(perm, path), 1, new byte[0], device(major, path), device(minor, path));
    }

    /** Whether a member (or an added parent directory) has this path. */
    public boolean contains(String path) {
        return names.contains(path);
    }

    /** Number of members, excluding the trailer. */
    public int size() {
        return members.size();
    }

    /** Writes the archive, trailer included. */
    public void writeTo(OutputStream out) throws IOException {
        int ino = 1;
        for (var m : members) {
            write(out, ino++, m);
        }
        write(out, 0, new Member(TRAILER, 0, 1, new byte[0], 0, 0));
    }

    /** The archive as bytes. */
    public byte[] toBytes() {
        var out = new ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private Initramfs add(String path, int mode, int nlink, byte[] data, int major, int minor) {
        checkPath(path);
        if (names.contains(path)) {
            throw new IllegalArgumentException("initramfs: duplicate path " + path);
        }
        int slash = path.lastIndexOf('/');
        if (slash > 0 && !names.contains(path.substring(0, slash))) {
            directory(path.substring(0, slash), 0755);
        }
        names.add(path);
        members.add(new Member(path, mode, nlink, data, major, minor));
        return this;
    }

    private static void checkPath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("initramfs: path \"" + path
                    + "\" must be relative, non-empty, without trailing slash or NUL");
        }
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("initramfs: path \"" + path + "\" has an empty, . or .. component");
            }
        }
    }

    private static int perm(int perm, String path) {
        if ((perm & ~07777) != 0) {
            throw new IllegalArgumentException("initramfs: " + path + ": permission 0" + Integer.toOctalString(perm)
                    + " has bits outside 07777");
        }
        return perm;
    }

    private static int device(int number, String path) {
        if (number < 0 || number > 0xFFFFF) {
            throw new IllegalArgumentException("initramfs: " + path + ": device number " + number + " out of range");
        }
        return number;
    }

    private static void write(OutputStream out, int ino, Member m) throws IOException {
        byte[] name = (m.name() + "\0").getBytes(StandardCharsets.UTF_8);
        var h = new StringBuilder(110).append("070701");
        for (long field : new long[] {ino, m.mode(), 0, 0, m.nlink(), 0, m.data().length, 0, 0,
                m.rdevMajor(), m.rdevMinor(), name.length, 0}) {
            h.append(String.format("%08X", field));
        }
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(name);
        out.write(new byte[pad(110 + name.length)]);
        out.write(m.data());
        out.write(new byte[pad(m.data().length)]);
    }

    private static int pad(int length) {
        return (4 - (length & 3)) & 3;
    }
}
