package dev.tern.samples.embedding;

import dev.tern.devices.chardev.MemoryBackend;
import dev.tern.devices.uart.Uart16550;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSnapshot;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.state.SavedStateException;
import dev.tern.kernel.state.StateSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A guest ROM used as a function: each {@link #call} types one line on the guest's COM1 and returns
 * the line the guest answers with. Between calls the machine is paused, so an idle function costs no
 * host CPU; {@link #snapshot} and {@link #restore} capture and rewind everything the guest holds
 * (RAM, vCPU, devices) — the shape of a test harness or a fuzzing farm that runs many inputs from
 * one warmed-up state.
 *
 * <p>The guest protocol is line based: after start the guest prints {@code ready} and a CRLF, and it
 * answers each LF-terminated input line with one CRLF-terminated line. Not thread-safe: one caller.
 */
public final class GuestFunction implements AutoCloseable {

    private static final String EOL = "\r\n";

    private final Machine machine;
    private final MemoryBackend console;
    private final long replyTimeoutMillis;

    private GuestFunction(Machine machine, MemoryBackend console, long replyTimeoutMillis) {
        this.machine = machine;
        this.console = console;
        this.replyTimeoutMillis = replyTimeoutMillis;
    }

    /**
     * Boots {@code rom} (a 64 KiB real-mode image mapped below 1 MiB) on a machine with 2 MiB of RAM and
     * a COM1 this object talks to, and waits for the guest's {@code ready} line.
     *
     * @param replyTimeoutMillis how long a guest may take to answer before {@link #call} gives up
     * @throws IllegalStateException when the guest ends or says nothing within the timeout
     */
    public static GuestFunction boot(byte[] rom, long replyTimeoutMillis) throws InterruptedException {
        Objects.requireNonNull(rom, "rom");
        var spec = MachineSpec.builder().ramSize(2 << 20).firmware(rom).pacing(Pacing.WARP)
                .device("uart16550", "serial0", Map.of("backend", "memory"))
                .device("isa-debug-exit", "debug-exit", Map.of())
                .build();
        Machine machine = Machine.create(PluginRegistry.discover(GuestFunction.class.getClassLoader(), List.of()), spec);
        var console = (MemoryBackend) ((Uart16550) machine.device("serial0")).backend();
        var function = new GuestFunction(machine, console, replyTimeoutMillis);
        machine.start();
        String greeting = function.awaitLine(0, "start-up");
        if (!greeting.equals("ready")) {
            function.close();
            throw new IllegalStateException("the guest greeted with '" + greeting + "', not 'ready'");
        }
        machine.pause();
        return function;
    }

    /**
     * Sends {@code input} (one line, without its LF) and returns the guest's answer without its CRLF.
     *
     * @throws IllegalArgumentException when {@code input} holds a line break (it would be two calls)
     * @throws IllegalStateException when the guest ends or gives no answer within the timeout
     */
    public String call(String input) throws InterruptedException {
        if (input.indexOf('\n') >= 0 || input.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a call's input is one line; got a line break in '" + input + "'");
        }
        int from = console.outputText().length();
        // Queued on the machine's input path while paused; the guest sees it once it runs again.
        console.inject(input + "\n");
        machine.resume();
        String answer = awaitLine(from, "input '" + input + "'");
        machine.pause();
        return answer;
    }

    /** The whole machine state, as a saved-state stream held in memory. */
    public byte[] snapshot() throws IOException {
        var out = new ByteArrayOutputStream();
        MachineSnapshot.saveLive(machine, () -> MachineSnapshot.save(machine, out));
        return out.toByteArray();
    }

    /**
     * Puts the guest back into the state of {@code snapshot}.
     *
     * @throws SavedStateException when the bytes are not a snapshot of this machine (nothing is changed then)
     */
    public void restore(byte[] snapshot) throws SavedStateException {
        MachineSnapshot.loadLive(machine, StateSource.of(snapshot));
    }

    /** Everything the guest has printed since it booted, across restores. */
    public String transcript() {
        return console.outputText();
    }

    @Override
    public void close() {
        machine.close();
    }

    /** The first line the guest completes after offset {@code from} of its output. */
    private String awaitLine(int from, String what) throws InterruptedException {
        if (!console.awaitText(EOL, from, replyTimeoutMillis)) {
            MachineExit exit = machine.awaitExit(0);
            throw new IllegalStateException(exit != null
                    ? "the guest ended (" + exit.reason() + ": " + exit.detail() + ") before answering " + what
                    : "the guest gave no answer to " + what + " within " + replyTimeoutMillis + " ms");
        }
        String text = console.outputText();
        return text.substring(from, text.indexOf(EOL, from));
    }
}
