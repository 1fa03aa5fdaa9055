package dev.tern.cli;

import dev.tern.x86.conformance.ConformanceRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tern x86-conformance DIR}: runs SingleStepTests-style vectors against the x86 CPU. */
@Command(name = "x86-conformance", mixinStandardHelpOptions = true,
        description = "Run every single-instruction test vector file (*.MOO, *.MOO.gz, *.json, *.json.gz) in DIR; "
                + "prints 'N passed, N failed'.")
final class ConformanceCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "Directory of vector files (e.g. ../shared/conformance/sst-80286-real).")
    Path dir;

    @Option(names = "--show", paramLabel = "N", defaultValue = "10", description = "How many failures to print. Default: ${DEFAULT-VALUE}.")
    int show;

    @Option(names = "--per-file", paramLabel = "N", defaultValue = "0", description = "Run at most N tests of each file (0 = all).")
    int perFile;

    @Override
    public Integer call() throws Exception {
        var result = new ConformanceRunner(show).runDirectory(dir, perFile);
        ConformanceRunner.print(result, System.out);
        return result.failed() == 0 ? 0 : 1;
    }
}
