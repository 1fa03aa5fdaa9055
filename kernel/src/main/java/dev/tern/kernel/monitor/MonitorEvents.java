package dev.tern.kernel.monitor;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The asynchronous events of one machine's monitor (QMP's STOP, RESUME, SHUTDOWN, MIGRATION ...),
 * stamped with the host time they happened. Emitted from whichever thread saw the change; a
 * subscriber must not block (a QMP session only queues the event for its writer).
 */
public final class MonitorEvents {

    /**
     * One event.
     *
     * @param name QEMU's event name ({@code "STOP"})
     * @param data the event's members, empty when it has none
     * @param at when it happened, host time
     */
    public record Event(String name, Map<String, Object> data, Instant at) {
    }

    private final CopyOnWriteArrayList<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();

    /** Delivers every later event to {@code subscriber}; close the result to stop. */
    public AutoCloseable subscribe(Consumer<Event> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** Emits {@code name} with {@code data}, stamped now. */
    public void emit(String name, Map<String, Object> data) {
        var event = new Event(name, data, Instant.now());
        for (Consumer<Event> s : subscribers) {
            s.accept(event);
        }
    }
}
