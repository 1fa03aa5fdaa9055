package dev.tern.kernel.gdb;

import dev.tern.kernel.gdb.RspChannel.Incoming;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One GDB connection: reads packets on its own thread, and interprets them on the calling thread
 * (all-stop mode: the machine is paused whenever a packet is handled; while it runs only Ctrl-C
 * counts). Every malformed request gets an error reply naming what was wrong; nothing the peer
 * sends can end the session but closing the connection, {@code D} or {@code k}.
 */
final class GdbSession {

    /** EBUSY and EIO replies. */
    private static final String BUSY = "E10", FAILED = "E05";

    /** The reader thread's end of the connection. */
    private record Closed(IOException why) { }

    /** A run's end, tagged with the run it ends. */
    private record RunEnd(int run, Halt halt) { }

    private final RspChannel channel;
    private final DebugTarget target;
    private final PrintStream log;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final GdbCommands commands;
    private Halt last = new Halt.Stopped(Halt.Cause.STEP);
    private int run;
    private boolean running;
    private boolean swbreak;
    private boolean hwbreak;

    GdbSession(RspChannel channel, DebugTarget target, PrintStream log) {
        this.channel = channel;
        this.target = target;
        this.log = log;
        this.commands = new GdbCommands(target, why -> log.println("tern: gdb: " + why));
    }

    /** Serves the connection until it closes, the debugger detaches or kills, or the machine's run ends. */
    void serve() throws InterruptedException {
        Thread reader = Thread.ofPlatform().daemon().name("tern-gdb-reader").start(this::read);
        try {
            while (true) {
                Object e = events.take();
                if (!handle(e)) {
                    return;
                }
            }
        } catch (AsynchronousCloseException e) {
            // the stub is closing (the machine's run ended): nothing failed
        } catch (IOException e) {
            log.println("tern: gdb connection failed: " + describe(e));
        } finally {
            reader.interrupt();
        }
    }

    private void read() {
        try {
            while (true) {
                events.put(channel.next());
            }
        } catch (IOException e) {
            events.add(new Closed(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns false when the session is over. */
    private boolean handle(Object e) throws IOException, InterruptedException {
        switch (e) {
            case Closed c -> {
                if (!(c.why() instanceof EOFException || c.why() instanceof AsynchronousCloseException)) {
                    log.println("tern: gdb connection failed: " + describe(c.why()));
                }
                if (running) {
                    target.interrupt();
                }
                awaitPaused();
                target.detach();
                return false;
            }
            case Incoming.Interrupt i -> {
                if (running) {
                    target.interrupt();
                }
            }
            case Incoming.Bad b -> {
                log.println("tern: gdb: " + b.reason());
                if (!b.nakked()) {
                    channel.send(GdbCommands.INVALID);
                }
            }
            case Incoming.Packet p -> {
                if (running) {
                    log.println("tern: gdb: refused a packet while the machine runs (all-stop mode: interrupt it first)");
                    channel.send(BUSY);
                } else {
                    try {
                        return packet(p.text());
                    } catch (RuntimeException failure) {
                        // a defect behind one request must not take the debugger (or the machine) down
                        log.println("tern: gdb: '" + clip(p.text()) + "' failed: " + failure);
                        channel.send(FAILED);
                    }
                }
            }
            case RunEnd r -> {
                if (running && r.run() == run) {
                    running = false;
                    if (r.halt() instanceof Halt.Failed) {
                        channel.send(FAILED);
                        return true;
                    }
                    last = r.halt();
                    channel.send(stopReply(last));
                    return !(last instanceof Halt.Exited);
                }
            }
            default -> throw new IllegalStateException("unexpected session event " + e);
        }
        return true;
    }

    /** After the connection dropped while running: waits for the interrupt's stop. */
    private void awaitPaused() throws InterruptedException {
        while (running) {
            if (events.take() instanceof RunEnd r && r.run() == run) {
                running = false;
            }
        }
    }

    private boolean packet(String p) throws IOException, InterruptedException {
        if (p.isEmpty()) {
            channel.send("");
            return true;
        }
        switch (p.charAt(0)) {
            case '?' -> channel.send(stopReply(last));
            case 'c' -> startRun(p.substring(1), false);
            case 's' -> startRun(p.substring(1), true);
            case 'D' -> {
                target.detach();
                channel.send("OK");
                return false;
            }
            case 'k' -> {
                target.kill();
                return false;
            }
            case 'b' -> reverse(p);
            case 'v' -> {
                return vPacket(p);
            }
            case 'q' -> query(p);
            case 'Q' -> {
                if (p.equals("QStartNoAckMode")) {
                    channel.send("OK");
                    channel.disableAcks();
                } else {
                    channel.send("");
                }
            }
            default -> channel.send(commands.execute(p));
        }
        return true;
    }

    /** c/s with an optional resume address. */
    private void startRun(String address, boolean step) throws IOException {
        if (!address.isEmpty()) {
            String err = commands.setPc(address);
            if (err != null) {
                channel.send(err);
                return;
            }
        }
        int me = ++run;
        running = true;
        target.clearInterrupt();
        var end = step ? target.step() : target.resume();
        end.thenAccept(h -> events.add(new RunEnd(me, h)));
    }

    /** Returns false when the session is over (vKill). */
    private boolean vPacket(String p) throws IOException {
        if (p.equals("vCont?")) {
            channel.send("vCont;c;C;s;S");
        } else if (p.startsWith("vCont;")) {
            // all-stop with one thread: the first action decides (a signal to deliver is ignored)
            String action = p.substring(6).split("[;:]")[0];
            switch (action.isEmpty() ? ' ' : action.charAt(0)) {
                case 'c', 'C' -> startRun("", false);
                case 's', 'S' -> startRun("", true);
                default -> {
                    log.println("tern: gdb: refused vCont action '" + action + "'");
                    channel.send(GdbCommands.INVALID);
                }
            }
        } else if (p.startsWith("vKill")) {
            // the reply goes first: the machine's end closes the stub, which could cut a later send
            channel.send("OK");
            target.kill();
            return false;
        } else {
            channel.send("");
        }
        return true;
    }

    private void query(String p) throws IOException {
        if (p.startsWith("qSupported")) {
            swbreak = p.contains("swbreak+");
            hwbreak = p.contains("hwbreak+");
            channel.send("PacketSize=" + Integer.toHexString(RspChannel.MAX_PAYLOAD)
                    + ";qXfer:features:read+;QStartNoAckMode+;vContSupported+"
                    + (swbreak ? ";swbreak+" : "") + (hwbreak ? ";hwbreak+" : "")
                    + (target.canReverse() ? ";ReverseStep+;ReverseContinue+" : ""));
        } else if (p.startsWith("qXfer:features:read:")) {
            channel.send(commands.targetXml(p.substring("qXfer:features:read:".length())));
        } else if (p.equals("qAttached")) {
            channel.send("1");
        } else if (p.equals("qC")) {
            channel.send("QC1");
        } else if (p.equals("qfThreadInfo")) {
            channel.send("m1");
        } else if (p.equals("qsThreadInfo")) {
            channel.send("l");
        } else {
            channel.send("");
        }
    }

    private void reverse(String p) throws IOException {
        if (!p.equals("bs") && !p.equals("bc")) {
            channel.send("");
            return;
        }
        if (!target.canReverse()) {
            // not announced in qSupported: the empty reply is GDB's "not supported"
            log.println("tern: gdb: reverse execution needs a replay (tern run --replay FILE --gdb ...)");
            channel.send("");
            return;
        }
        goBack(p.equals("bc") ? target::reverseContinue : target::reverseStep);
    }

    /** A reverse-stepi or reverse-continue, as the target runs it. */
    @FunctionalInterface
    private interface Reverse {
        Halt run() throws Exception;
    }

    /**
     * Going back replays from a snapshot up to the wanted point, which can take long: it runs off the
     * session's thread like a forward run, so GDB's Ctrl-C reaches it and stops it where the replay is.
     */
    private void goBack(Reverse how) {
        int me = ++run;
        running = true;
        target.clearInterrupt();
        Thread.ofPlatform().daemon().name("tern-gdb-reverse").start(() -> {
            Halt h;
            try {
                h = how.run();
            } catch (InterruptedException e) {
                return; // the session is going away
            } catch (Exception e) {
                log.println("tern: gdb: going back failed: " + e);
                h = new Halt.Failed(e.toString());
            }
            events.add(new RunEnd(me, h));
        });
    }

    private String stopReply(Halt h) {
        return switch (h) {
            case Halt.Exited x -> String.format("W%02x", x.exit().status() & 0xff);
            case Halt.Failed f -> FAILED;
            case Halt.Stopped s -> switch (s.cause()) {
                case INTERRUPT -> "T02";
                case STEP -> "T05";
                case SOFTWARE_BREAKPOINT -> swbreak ? "T05swbreak:;" : "T05";
                case HARDWARE_BREAKPOINT -> hwbreak ? "T05hwbreak:;" : "T05";
                case WATCH -> "T05watch:" + Long.toHexString(s.address()) + ";";
                case READ_WATCH -> "T05rwatch:" + Long.toHexString(s.address()) + ";";
                case ACCESS_WATCH -> "T05awatch:" + Long.toHexString(s.address()) + ";";
                case HISTORY_BEGIN -> "T05replaylog:begin;";
                case HISTORY_END -> "T05replaylog:end;";
            };
        };
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
