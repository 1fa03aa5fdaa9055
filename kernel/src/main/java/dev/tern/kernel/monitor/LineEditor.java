package dev.tern.kernel.monitor;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The human monitor's line editing on a terminal that sends each key as it is typed (no canonical
 * mode, no echo): the editor echoes, so it can complete. Keys: printable characters append;
 * Backspace/Delete removes the last character; Tab completes the word being typed (one candidate:
 * the word and a space; several: their common prefix, and a second Tab lists them); Up/Down walk the
 * history; Ctrl-U clears the line; Ctrl-C drops it; Ctrl-D on an empty line ends the input; Enter
 * returns the line. Other escape sequences (cursor keys left and right, function keys) are read and
 * ignored, so they never land in a command. Lines are bounded at {@link Monitor#MAX_LINE} characters.
 */
public final class LineEditor {

    private static final int CTRL_C = 3;
    private static final int CTRL_D = 4;
    private static final int BACKSPACE = 8;
    private static final int TAB = 9;
    private static final int CTRL_U = 21;
    private static final int ESC = 27;
    private static final int DELETE = 127;
    private static final int HISTORY = 100;

    private final Reader in;
    private final Writer out;
    private final String prompt;
    private final Function<String, List<String>> completer;
    private final List<String> history = new ArrayList<>();
    private final StringBuilder line = new StringBuilder();
    private int tabs;

    /**
     * @param completer for the line typed so far, the words that may complete its last word (whole
     *                  words, each starting with that last word)
     */
    public LineEditor(Reader in, Writer out, String prompt, Function<String, List<String>> completer) {
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.prompt = Objects.requireNonNull(prompt, "prompt");
        this.completer = Objects.requireNonNull(completer, "completer");
    }

    /** Prints the prompt and reads one line; null at the end of the input. */
    public String readLine() throws IOException {
        line.setLength(0);
        tabs = 0;
        int browsing = history.size();
        out.write(prompt);
        out.flush();
        while (true) {
            int c = in.read();
            if (c == -1 || (c == CTRL_D && line.isEmpty())) {
                return null;
            }
            if (c != TAB) {
                tabs = 0;
            }
            switch (c) {
                case '\r', '\n' -> {
                    out.write("\n");
                    out.flush();
                    return remember(line.toString());
                }
                case TAB -> complete();
                case BACKSPACE, DELETE -> {
                    if (!line.isEmpty()) {
                        line.setLength(line.length() - 1);
                        out.write("\b \b");
                    }
                }
                case CTRL_U -> setLine("");
                case CTRL_C -> {
                    line.setLength(0);
                    out.write("^C\n" + prompt);
                }
                case ESC -> browsing = escape(browsing);
                default -> {
                    if (c >= ' ' && line.length() < Monitor.MAX_LINE) {
                        line.append((char) c);
                        out.write(c);
                    }
                }
            }
            out.flush();
        }
    }

    private String remember(String entered) {
        if (!entered.isBlank() && (history.isEmpty() || !history.getLast().equals(entered))) {
            history.add(entered);
            if (history.size() > HISTORY) {
                history.removeFirst();
            }
        }
        return entered;
    }

    /** An escape sequence: Up and Down browse the history; the rest is read and dropped. */
    private int escape(int browsing) throws IOException {
        int c = in.read();
        if (c != '[' && c != 'O') {
            return browsing;
        }
        int key;
        do {
            key = in.read(); // parameters (digits, ';') until the final byte
        } while (key != -1 && (key < 0x40 || key > 0x7E));
        if (key == 'A' && browsing > 0) {
            browsing--;
            setLine(history.get(browsing));
        } else if (key == 'B' && browsing < history.size()) {
            browsing++;
            setLine(browsing == history.size() ? "" : history.get(browsing));
        }
        return browsing;
    }

    /** Replaces the line on the screen: back to the column after the prompt, clear to the end. */
    private void setLine(String text) throws IOException {
        line.setLength(0);
        line.append(text);
        out.write("\r" + prompt + text + "\033[K");
    }

    private void complete() throws IOException {
        tabs++;
        String typed = line.toString();
        String word = typed.substring(typed.lastIndexOf(' ') + 1);
        List<String> candidates = completer.apply(typed).stream().filter(w -> w.startsWith(word)).sorted().toList();
        if (candidates.isEmpty()) {
            return;
        }
        if (candidates.size() == 1) {
            append(candidates.getFirst().substring(word.length()) + " ");
            return;
        }
        String common = commonPrefix(candidates);
        if (common.length() > word.length()) {
            append(common.substring(word.length()));
        } else if (tabs > 1) {
            out.write("\n" + String.join("  ", candidates) + "\n" + prompt + line);
        }
    }

    private void append(String more) throws IOException {
        String fits = more.substring(0, Math.min(more.length(), Monitor.MAX_LINE - line.length()));
        line.append(fits);
        out.write(fits);
    }

    private static String commonPrefix(List<String> words) {
        String p = words.getFirst();
        for (String w : words) {
            int i = 0;
            while (i < p.length() && i < w.length() && p.charAt(i) == w.charAt(i)) {
                i++;
            }
            p = p.substring(0, i);
        }
        return p;
    }
}
