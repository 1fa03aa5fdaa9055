package dev.tern.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code --config FILE}: a file of {@code option = value} lines, one option a line, with the names
 * of the long command-line options ({@code memory = 256M}, {@code device = uart16550,port=0x2f8}).
 * It can set everything a flag can. Options from the file come first, so flags on the command line
 * override single-valued ones and add to repeatable ones. Blank lines and {@code #} comments are
 * ignored; {@code flag = true} stands for a flag without value.
 */
final class ConfigFile {

    private static final Pattern LINE = Pattern.compile("([a-z][a-z0-9-]*)\\s*=\\s*(.*)");

    private ConfigFile() {
    }

    /** A malformed config file; the message names the file and line. */
    static final class ConfigFileException extends Exception {
        ConfigFileException(String message) {
            super(message);
        }
    }

    /** Replaces each {@code --config FILE} (or {@code --config=FILE}) by the options it holds. */
    static List<String> expand(List<String> args) throws ConfigFileException {
        var out = new ArrayList<String>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                out.addAll(args.subList(i, args.size()));
                break;
            }
            if (a.equals("--config") || a.startsWith("--config=")) {
                String file;
                if (a.equals("--config")) {
                    if (i + 1 >= args.size()) {
                        throw new ConfigFileException("--config needs a file name");
                    }
                    file = args.get(++i);
                } else {
                    file = a.substring("--config=".length());
                }
                // File options go right after the subcommand name: keep positions stable.
                int insertAt = Math.min(out.size(), subcommandEnd(out));
                out.addAll(insertAt, read(Path.of(file)));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    private static int subcommandEnd(List<String> out) {
        for (int i = 0; i < out.size(); i++) {
            if (!out.get(i).startsWith("-")) {
                return i + 1;
            }
        }
        return out.size();
    }

    static List<String> read(Path file) throws ConfigFileException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("cannot read config file " + file + ": " + e.getMessage(), e));
        }
        var opts = new ArrayList<String>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            var m = LINE.matcher(line);
            if (!m.matches()) {
                throw new ConfigFileException(file + ":" + (n + 1) + ": expected 'option = value', got '" + line + "'");
            }
            String name = m.group(1);
            String value = m.group(2).strip();
            if (name.equals("config")) {
                throw new ConfigFileException(file + ":" + (n + 1) + ": config files cannot include other config files");
            }
            if (value.equals("true")) {
                opts.add("--" + name);
            } else {
                opts.add("--" + name + "=" + value);
            }
        }
        return opts;
    }
}
