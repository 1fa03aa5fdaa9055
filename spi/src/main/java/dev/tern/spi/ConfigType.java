package dev.tern.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** The type of a configuration value, and how its text form is parsed. */
public enum ConfigType {
    /** Any text. */
    STRING {
        @Override
        public Object parse(String text) {
            return text;
        }
    },
    /** {@code true/false}, {@code on/off}, {@code yes/no}. */
    BOOLEAN {
        @Override
        public Object parse(String text) {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "true", "on", "yes", "1" -> Boolean.TRUE;
                case "false", "off", "no", "0" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException("'" + text + "' is not a boolean (on/off, true/false, yes/no)");
            };
        }
    },
    /** A signed 64-bit integer, decimal or {@code 0x} hexadecimal. */
    INTEGER {
        @Override
        public Object parse(String text) {
            String t = text.trim();
            try {
                boolean neg = t.startsWith("-");
                String body = neg ? t.substring(1) : t;
                long v = body.startsWith("0x") || body.startsWith("0X")
                        ? Long.parseUnsignedLong(body.substring(2), 16) : Long.parseLong(body);
                return neg ? -v : v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not an integer", e);
            }
        }
    },
    /** A byte count with an optional binary suffix: {@code 512}, {@code 64K}, {@code 128M}, {@code 2G}. */
    SIZE {
        @Override
        public Object parse(String text) {
            String t = text.trim().toUpperCase(Locale.ROOT);
            if (t.endsWith("IB")) {
                t = t.substring(0, t.length() - 2);
            } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
                t = t.substring(0, t.length() - 1);
            }
            int shift = 0;
            if (!t.isEmpty()) {
                switch (t.charAt(t.length() - 1)) {
                    case 'K' -> shift = 10;
                    case 'M' -> shift = 20;
                    case 'G' -> shift = 30;
                    case 'T' -> shift = 40;
                    default -> { }
                }
            }
            String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
            try {
                long v = Long.parseLong(digits.trim());
                if (v < 0 || (shift > 0 && v > (Long.MAX_VALUE >> shift))) {
                    throw new IllegalArgumentException("size '" + text + "' is out of range");
                }
                return v << shift;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 4096, 64K, 128M, 2G)", e);
            }
        }
    },
    /** A duration: {@code 300ms}, {@code 5s}, {@code 2m}, or a bare number of milliseconds. */
    DURATION {
        @Override
        public Object parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            try {
                if (t.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
                } else if (t.endsWith("us")) {
                    return Duration.ofNanos(1000 * Long.parseLong(t.substring(0, t.length() - 2).trim()));
                } else if (t.endsWith("s")) {
                    return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()));
                } else if (t.endsWith("m")) {
                    return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim()));
                }
                return Duration.ofMillis(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a duration (e.g. 300ms, 5s, 2m)", e);
            }
        }
    },
    /** A file-system path. */
    PATH {
        @Override
        public Object parse(String text) {
            return Path.of(text);
        }
    };

    /**
     * Parses the text form of a value of this type.
     *
     * @throws IllegalArgumentException saying what is wrong with the text
     */
    public abstract Object parse(String text);
}
