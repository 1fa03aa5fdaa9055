package dev.tern.kernel.monitor;

import java.util.Map;

/**
 * The structured result of one monitor operation, presented two ways from the same value: the
 * human monitor prints {@link #human()}, QMP sends {@link #qmp()} as its {@code "return"} shaped as
 * QEMU's QAPI schema shapes that command's reply.
 */
public interface Reply {

    /** A result with nothing to say: an empty line for the human monitor, {@code {}} for QMP. */
    Reply NONE = new Text("", Map.of());

    /** What the human monitor prints; empty, or ending with a newline. */
    String human();

    /**
     * The QMP return value as JSON-shaped Java values: {@code Map<String,?>} (ordered), {@code
     * List}, {@code String}, {@code Long}/{@code Integer}, {@code Double}, {@code Boolean}.
     */
    Object qmp();

    /** A human-only result (help, register dumps): QMP, which never runs it directly, gets the text. */
    static Reply text(String human) {
        return new Text(human, human);
    }

    /** A fixed text and a fixed QMP value. */
    record Text(String human, Object qmp) implements Reply {
    }
}
