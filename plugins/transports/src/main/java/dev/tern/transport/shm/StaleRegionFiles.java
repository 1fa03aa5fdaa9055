package dev.tern.transport.shm;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Region files left behind by processes that died without closing their connection (SIGKILL, a
 * crash): each is as large as a guest's RAM, in memory-backed {@code /dev/shm}. A file's name
 * carries the pid of the process that exposed it; before exposing a new region, files of pids
 * that no longer run are removed. A pid that was reused by an unrelated live process keeps its
 * file — the sweep errs on the side of never deleting a region someone may still use.
 */
final class StaleRegionFiles {

    static final String PREFIX = "tern-shm-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d{1,19})-\\d+-[0-9a-f]{16}");

    private StaleRegionFiles() {
    }

    /** The file name of a region exposed by this process. */
    static String name(int serial, long random) {
        return PREFIX + ProcessHandle.current().pid() + "-" + serial + "-" + String.format("%016x", random);
    }

    /** The pid in a region file's name, if it is one. */
    static OptionalLong owner(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Deletes the region files in {@code dir} whose exposing process is gone; returns how many. */
    static int sweep(Path dir) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path f : files) {
                OptionalLong pid = owner(f.getFileName().toString());
                if (pid.isPresent() && ProcessHandle.of(pid.getAsLong()).isEmpty()) {
                    try {
                        if (Files.deleteIfExists(f)) {
                            removed++;
                        }
                    } catch (IOException e) {
                        // Another user's file, or just removed by a concurrent sweep: not ours to fix.
                    }
                }
            }
        } catch (IOException e) {
            // An unreadable directory only means nothing is swept; exposing reports real problems.
        }
        return removed;
    }
}
