package dev.tern.samples.pair;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;

import java.util.Map;

/** One machine of the pair: the guest ROM with COM1 on an in-memory character device. */
final class SerialGuest implements AutoCloseable {

    static final long RAM = 16L << 20;
    private static final long REPLY_TIMEOUT_MS = 10_000;

    final Machine machine;
    private final MemoryBackend console;

    /** Creates (does not start) the machine; source and destination must be built alike. */
    SerialGuest(PluginRegistry plugins, byte[] rom) {
        var spec = MachineSpec.builder().ramSize(RAM).firmware(rom).pacing(Pacing.WARP)
                .device("uart16550", "serial0", Map.of("backend", "memory"))
                .device("isa-debug-exit", "debug-exit", Map.of())
                .build();
        machine = Machine.create(plugins, spec);
        console = (MemoryBackend) ((Uart16550) machine.device("serial0")).backend();
    }

    /** Types {@code line} and returns the guest's answer (the running machine's next CRLF-terminated line). */
    String call(String line) throws InterruptedException {
        int from = console.outputText().length();
        console.inject(line + "\n");
        return awaitLine(from);
    }

    /** The next CRLF-terminated line the guest prints at or after {@code from}. */
    String awaitLine(int from) throws InterruptedException {
        if (!console.awaitText("\r\n", from, REPLY_TIMEOUT_MS)) {
            throw new IllegalStateException("the guest printed no line within " + REPLY_TIMEOUT_MS + " ms; it printed: "
                    + console.outputText());
        }
        String text = console.outputText();
        return text.substring(from, text.indexOf("\r\n", from));
    }

    @Override
    public void close() {
        machine.close();
    }
}
