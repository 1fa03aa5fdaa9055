package dev.tern.kernel.state;

import dev.tern.kernel.json.JsonValues;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Describes a saved-state stream for people ({@code tern analyze FILE}): {@link #fromTrailer}
 * seeks to the JSON trailer through the footer and lists sections, sizes, versions and field
 * schemas without reading the body; {@link #walk} reads every frame (checking CRCs) and also prints
 * each device section's decoded values, so it works on a stream whose trailer is lost.
 */
public final class SavedStateAnalyzer {

    private SavedStateAnalyzer() { }

    /**
     * The report for {@code tern analyze FILE}: from the trailer when it is intact, otherwise from
     * walking the stream, saying why.
     */
    public static String analyze(Path file) throws SavedStateException {
        try {
            return fromTrailer(file);
        } catch (SavedStateException trailerProblem) {
            try (InputStream in = java.nio.file.Files.newInputStream(file)) {
                return "trailer unusable (" + trailerProblem.getMessage() + "); walking the stream instead"
                        + System.lineSeparator() + walk(in);
            } catch (SavedStateException e) {
                throw e;
            } catch (IOException e) {
                throw new SavedStateException(file + ": " + e.getMessage(), -1, e);
            }
        }
    }

    /** The report from the trailer of {@code file}. */
    public static String fromTrailer(Path file) throws SavedStateException {
        Map<String, Object> t = readTrailer(file);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Tern saved state %s: format %s, machine '%s', page size %s, SPI %s%n", file,
                t.get("format"), t.get("machine"), t.get("pageSize"), t.get("spi")));
        sb.append("memory:");
        for (Object o : list(t.get("regions"))) {
            Map<?, ?> r = (Map<?, ?>) o;
            long base = number(r.get("base"));
            sb.append(String.format(" %s 0x%x-0x%x%s;", r.get("name"), base, base + number(r.get("size")) - 1,
                    Boolean.TRUE.equals(r.get("readOnly")) ? " ro" : ""));
        }
        sb.append(String.format("%n%4s  %-4s  %-20s %-8s %7s %12s %12s%n", "id", "kind", "name", "instance",
                "version", "offset", "bytes"));
        for (Object o : list(t.get("sections"))) {
            Map<?, ?> s = (Map<?, ?>) o;
            sb.append(String.format("%4s  %-4s  %-20s %-8s %7s %12s %12s%s%n", s.get("id"), s.get("kind"),
                    s.get("name"), s.get("instance"), s.get("version"), s.get("offset"), s.get("bytes"),
                    s.containsKey("parts") ? "  (" + s.get("parts") + " frames)" : ""));
            if (s.get("fields") instanceof List<?> fields) {
                fields(sb, fields, "        ");
            }
            if (s.get("subsections") instanceof List<?> subs) {
                for (Object so : subs) {
                    Map<?, ?> sub = (Map<?, ?>) so;
                    sb.append("        subsection '").append(sub.get("name")).append("':").append(System.lineSeparator());
                    fields(sb, list(sub.get("fields")), "          ");
                }
            }
        }
        return sb.toString();
    }

    /** The report from reading every frame of {@code in}, with decoded device-section values. */
    public static String walk(InputStream in) throws SavedStateException {
        SavedStateReader reader = new SavedStateReader(in);
        ConfigHeader c = reader.config();
        StringBuilder sb = new StringBuilder();
        String nl = System.lineSeparator();
        sb.append(String.format("Tern saved state: machine '%s'%s, page size %d, SPI %s%nmemory: %s%n", c.machineType(),
                c.vcpus() > 1 ? ", " + c.vcpus() + " vCPUs" : "", c.pageSize(), c.spiVersion(), c.regions()));
        while (true) {
            Frame f = reader.next();
            switch (f) {
                case Frame.Open o -> {
                    sb.append(String.format("@%d %s #%d %s instance %s version %d, %d bytes%n", o.offset(), o.kind(),
                            o.id(), o.name(), o.instance(), o.version(), o.payload().length));
                    if (o.kind() == FrameKind.FULL) {
                        content(sb, SectionContent.decode(o));
                    }
                }
                case Frame.Part p -> sb.append(String.format("@%d %s #%d %s instance %s, %d bytes%n", p.offset(),
                        p.kind(), p.id(), p.name(), p.instance(), p.payload().length));
                case Frame.Eof e -> {
                    sb.append("@").append(e.offset()).append(" EOF; trailer and footer verified").append(nl);
                    return sb.toString();
                }
            }
        }
    }

    private static void content(StringBuilder sb, SectionContent content) {
        values(sb, content.schema(), content.values(), "    ");
        for (SectionContent.Part p : content.subsections()) {
            sb.append("    subsection '").append(p.name()).append("':").append(System.lineSeparator());
            values(sb, p.schema(), p.values(), "      ");
        }
    }

    private static void values(StringBuilder sb, RecordSchema schema, FieldValues values, String indent) {
        for (FieldSchema f : schema.fields()) {
            sb.append(indent).append(f.name()).append(" : ").append(f.type().describe()).append(" = ")
                    .append(ValueText.of(values.asMap().get(f.name()))).append(System.lineSeparator());
        }
    }

    private static void fields(StringBuilder sb, List<?> fields, String indent) {
        for (Object o : fields) {
            Map<?, ?> f = (Map<?, ?>) o;
            sb.append(indent).append(f.get("name")).append(" : ").append(typeText(f)).append(System.lineSeparator());
            if (nestedFields(f) instanceof List<?> nested) {
                fields(sb, nested, indent + "  ");
            }
        }
    }

    /** The fields of a record type, or of the records inside (nested) lists; null for others. */
    private static Object nestedFields(Map<?, ?> type) {
        return type.get("element") instanceof Map<?, ?> e ? nestedFields(e) : type.get("fields");
    }

    private static String typeText(Map<?, ?> type) {
        if (type.get("element") instanceof Map<?, ?> e) {
            return "list<" + typeText(e) + ">";
        }
        return String.valueOf(type.get("type"));
    }

    /** Finds, checks and parses the trailer via the footer at the end of {@code file}. */
    static Map<String, Object> readTrailer(Path file) throws SavedStateException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < StreamFormat.HEADER_BYTES + StreamFormat.FOOTER_BYTES + 8) {
                throw new SavedStateException(file + ": too short for a saved-state stream (" + size + " bytes)", 0);
            }
            ByteBuffer footer = read(ch, size - StreamFormat.FOOTER_BYTES, StreamFormat.FOOTER_BYTES);
            long offset = footer.getLong();
            byte[] magic = new byte[8];
            footer.get(magic);
            if (!Arrays.equals(magic, StreamFormat.FOOTER_MAGIC)) {
                throw new SavedStateException(file + ": no saved-state footer (bad magic)", size - 8);
            }
            long room = size - StreamFormat.FOOTER_BYTES - 8;
            if (offset < StreamFormat.HEADER_BYTES || offset > room) {
                throw new SavedStateException(file + ": footer points outside the file: " + offset,
                        size - StreamFormat.FOOTER_BYTES);
            }
            int len = read(ch, offset, 4).getInt();
            if (len < 0 || len > StreamLimits.TRAILER_BYTES || offset + 4 + len + 4 != size - StreamFormat.FOOTER_BYTES) {
                throw new SavedStateException(file + ": trailer length " + Integer.toUnsignedString(len)
                        + " does not fit between its offset and the footer", offset);
            }
            ByteBuffer body = read(ch, offset + 4, len + 4);
            byte[] json = new byte[len];
            body.get(json);
            CRC32C crc = new CRC32C();
            crc.update(json);
            if (body.getInt() != (int) crc.getValue()) {
                throw new SavedStateException(file + ": trailer CRC32C mismatch", offset + 4 + len);
            }
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json)).toString();
            if (!(JsonValues.parse(text) instanceof Map<?, ?> m)) {
                throw new SavedStateException(file + ": trailer is not a JSON object", offset + 4);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> result = (Map<String, Object>) m;
            return result;
        } catch (CharacterCodingException e) {
            throw new SavedStateException(file + ": trailer is not UTF-8", -1);
        } catch (IllegalArgumentException e) {
            throw new SavedStateException(file + ": trailer: " + e.getMessage(), -1);
        } catch (SavedStateException e) {
            throw e;
        } catch (IOException e) {
            throw new SavedStateException(file + ": " + e.getMessage(), -1, e);
        }
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new SavedStateException("unexpected end of file", at + b.position());
            }
        }
        return b.flip();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static long number(Object o) {
        return o instanceof Long l ? l : 0;
    }
}
