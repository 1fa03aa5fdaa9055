package dev.tern.cli;

import dev.tern.kernel.replay.ReplayLogAnalyzer;
import dev.tern.kernel.state.SavedStateAnalyzer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tern analyze FILE}: what a saved-state stream holds (like QEMU's analyze-migration.py). */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Print the sections, sizes, versions and fields of a saved-state stream,",
                "or the header, inputs by kind, checkpoints and end of a replay log (--record)."})
final class AnalyzeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "A snapshot, a migration stream written to a file, or a replay log.")
    Path file;

    @Option(names = "--values", description = "Walk the stream and print every decoded field value.")
    boolean values;

    @Override
    public Integer call() throws Exception {
        if (ReplayLogAnalyzer.isReplayLog(file)) {
            System.out.print(ReplayLogAnalyzer.analyze(file));
            return 0;
        }
        if (values) {
            try (var in = new BufferedInputStream(Files.newInputStream(file))) {
                System.out.print(SavedStateAnalyzer.walk(in));
            }
        } else {
            System.out.print(SavedStateAnalyzer.analyze(file));
        }
        return 0;
    }
}
