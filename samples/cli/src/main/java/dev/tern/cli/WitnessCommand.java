package dev.tern.cli;

import dev.tern.kernel.ft.FtConfig;
import dev.tern.kernel.ft.LeaseWitness;
import dev.tern.kernel.plugin.PluginRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tern witness}: the lease service a fault-tolerant pair consults ({@code --ft ...,witness=URI}),
 * so that of two sides cut apart only one runs the guest (docs/protocols/ft.md, "Fencing").
 */
@Command(name = "witness", mixinStandardHelpOptions = true,
        description = "Serve the lease a fault-tolerant primary and standby consult (--ft ...,witness=URI).")
final class WitnessCommand implements Callable<Integer> {

    @Option(names = "--listen", required = true, paramLabel = "URI",
            description = "Where to listen: tcp:HOST:PORT or unix:PATH.")
    String listen;

    @Option(names = "--password-file", required = true, paramLabel = "FILE",
            description = "The pair's shared secret (the same file as --ft password-file=).")
    Path passwordFile;

    @Override
    public Integer call() throws Exception {
        byte[] secret = FtConfig.readSecret(passwordFile);
        var plugins = PluginRegistry.discover(getClass().getClassLoader(), List.of());
        try (var witness = new LeaseWitness(listen, secret, plugins, System.err, System::nanoTime)) {
            witness.serve();
        }
        return 0;
    }
}
