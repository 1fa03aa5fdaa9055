package dev.tern.kernel.state;

import dev.tern.spi.state.LiveSection;
import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Loads a saved-state stream into a machine in two phases. Phase one reads the whole stream and
 * checks everything — configuration, CRCs, structure, versions, schemas, every
 * {@link StateSection#validate} and {@link Subsection#validate}, live parts through
 * {@link LivePartCheck}, that every expected section is present exactly once and no unknown one
 * is — and decodes device sections into pending records. Only then does phase two re-read the
 * stream (when it holds live parts), feed live parts to {@link LiveSection#receive} and call every
 * {@code load} in stream order (a section's subsections right after it). A stream refused in phase one changes nothing.
 *
 * <p>Use with the machine paused; not thread-safe.
 */
public final class SnapshotLoader {

    /** A decoded, validated section state waiting to be applied. */
    record Pending<S extends Record>(StateSection<S> section, S state, List<PendingSub<?>> subs) {
        void apply() {
            section.load(state);
            subs.forEach(PendingSub::apply);
        }
    }

    private record PendingSub<T extends Record>(Subsection<T> subsection, T state) {
        void apply() {
            subsection.load(state);
        }
    }

    private final ConfigHeader expected;
    private final Map<String, StateSection<?>> sections = new LinkedHashMap<>();
    private final Map<String, LiveSection> liveSections = new LinkedHashMap<>();
    private final Map<String, StateUpgrader<?>> upgraders = new HashMap<>();

    /**
     * @param expected the target machine's configuration; a stream from another machine type, page
     *                 size, memory layout or SPI major version is refused
     */
    public SnapshotLoader(ConfigHeader expected) {
        this.expected = Objects.requireNonNull(expected, "expected");
    }

    /** Expects {@code section} in every stream this loader loads. */
    public SnapshotLoader section(StateSection<?> section) {
        add(sections, key(section.name(), section.instance()), section);
        return this;
    }

    /** Expects live section {@code section}. */
    public SnapshotLoader live(LiveSection section) {
        add(liveSections, key(section.name(), section.instance()), section);
        return this;
    }

    /** Upgrades older versions of every instance of the section called {@code sectionName}. */
    public SnapshotLoader upgrader(String sectionName, StateUpgrader<?> upgrader) {
        upgraders.put(Objects.requireNonNull(sectionName), Objects.requireNonNull(upgrader));
        return this;
    }

    /**
     * Verifies then applies the stream.
     *
     * @throws SavedStateException when phase one refuses the stream (nothing changed), or when the
     *         stream differs on the second read or a live section without {@link LivePartCheck}
     *         refuses a part (the message then says the machine state is partly loaded)
     */
    public void load(StateSource source) throws SavedStateException {
        List<Integer> crcs = new ArrayList<>();
        List<Pending<?>> absent = new ArrayList<>();
        List<Pending<?>> pending = verify(source, crcs, absent);
        if (crcs.size() > pending.size()) {
            // Live frames to feed: read the stream again. A stream of device sections only (a
            // migration's switch-over) was decoded whole by the first read.
            apply(source, crcs);
        }
        for (Pending<?> p : pending) {
            p.apply();
        }
        for (Pending<?> p : absent) {
            p.apply();
        }
    }

    private List<Pending<?>> verify(StateSource source, List<Integer> crcs, List<Pending<?>> absent)
            throws SavedStateException {
        List<Pending<?>> pending = new ArrayList<>();
        Map<String, Boolean> present = new HashMap<>();
        try (InputStream in = source.open()) {
            SavedStateReader reader = new SavedStateReader(in);
            checkConfig(reader.config());
            for (Frame f = reader.next(); !(f instanceof Frame.Eof); f = reader.next()) {
                switch (f) {
                    case Frame.Open o when o.kind() == FrameKind.FULL -> {
                        pending.add(prepare(target(o, sections, "device"), o, upgraders));
                        present.put(key(o.name(), o.instance()), true);
                        crcs.add(o.crc());
                    }
                    case Frame.Open o -> {
                        LiveSection live = target(o, liveSections, "live");
                        int oldest = live instanceof LivePartCheck c ? c.oldestVersion() : live.version();
                        if (o.version() < oldest || o.version() > live.version()) {
                            throw new SavedStateException(where(o.name(), o.instance()) + ": version " + o.version()
                                    + " not in [" + oldest + ", " + live.version() + "]", o.offset());
                        }
                        check(live, o.name(), o.instance(), o.payload(), o.payloadOffset());
                        present.put(key(o.name(), o.instance()), true);
                        crcs.add(o.crc());
                    }
                    case Frame.Part p -> {
                        check(liveSections.get(key(p.name(), p.instance())), p.name(), p.instance(), p.payload(),
                                p.payloadOffset());
                        crcs.add(p.crc());
                    }
                    case Frame.Eof e -> throw new IllegalStateException("unreachable");
                }
            }
        } catch (IOException e) {
            throw wrap(e, "opening the stream failed");
        }
        absent.addAll(requireAllPresent(present));
        return pending;
    }

    private void apply(StateSource source, List<Integer> crcs) throws SavedStateException {
        String partly = "; the machine state is now partly loaded";
        int i = 0;
        try (InputStream in = source.open()) {
            SavedStateReader reader = new SavedStateReader(in);
            Frame f = reader.next();
            for (; !(f instanceof Frame.Eof); f = reader.next(), i++) {
                int crc = switch (f) {
                    case Frame.Open o -> o.crc();
                    case Frame.Part p -> p.crc();
                    case Frame.Eof e -> 0;
                };
                if (i >= crcs.size() || crc != crcs.get(i)) {
                    throw new SavedStateException("the stream changed between verification and loading" + partly,
                            f.offset());
                }
                switch (f) {
                    case Frame.Open o when o.kind() == FrameKind.START ->
                            receive(o.name(), o.instance(), o.payload(), o.payloadOffset(), partly);
                    case Frame.Part p -> receive(p.name(), p.instance(), p.payload(), p.payloadOffset(), partly);
                    default -> { }
                }
            }
            if (i != crcs.size()) {
                throw new SavedStateException("the stream changed between verification and loading" + partly,
                        f.offset());
            }
        } catch (IOException e) {
            throw wrap(e, "re-reading the stream failed" + partly);
        }
    }

    private void receive(String name, String instance, byte[] payload, long offset, String partly)
            throws SavedStateException {
        LiveSection live = liveSections.get(key(name, instance));
        ByteArrayInputStream bytes = new ByteArrayInputStream(payload);
        try {
            live.receive(new DataInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new SavedStateException(where(name, instance) + ": " + e.getMessage() + partly, offset, e);
        }
        if (bytes.available() != 0) {
            throw new SavedStateException(where(name, instance) + ": " + bytes.available()
                    + " bytes of the part were not read" + partly, offset);
        }
    }

    private static void check(LiveSection live, String name, String instance, byte[] payload, long offset)
            throws SavedStateException {
        if (!(live instanceof LivePartCheck checker)) {
            return;
        }
        ByteArrayInputStream bytes = new ByteArrayInputStream(payload);
        try {
            checker.check(new DataInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new SavedStateException(where(name, instance) + ": " + e.getMessage(), offset, e);
        }
        if (bytes.available() != 0) {
            throw new SavedStateException(where(name, instance) + ": " + bytes.available()
                    + " unexpected bytes after the end of the part", offset + payload.length - bytes.available());
        }
    }

    /** Decodes, upgrades if older, and validates one FULL frame for {@code section}; applies nothing. */
    static <S extends Record> Pending<S> prepare(StateSection<S> section, Frame.Open frame,
            Map<String, StateUpgrader<?>> upgraders) throws SavedStateException {
        String where = where(frame.name(), frame.instance());
        int v = frame.version();
        if (v < section.minVersion() || v > section.version()) {
            throw new SavedStateException(where + ": version " + v + " not in [" + section.minVersion() + ", "
                    + section.version() + "]", frame.offset());
        }
        RecordCodec<S> codec = RecordCodec.of(section.stateType());
        SectionContent content = SectionContent.decode(frame, v == section.version() ? codec.schema() : null,
                name -> declaredSchema(section, name));
        S state;
        if (v == section.version()) {
            content.schema().requireSameAs(codec.schema(), where, content.schemaOffset());
            state = codec.fromValues(content.values(), where);
        } else {
            state = upgrade(section, v, content, where, frame.offset(), upgraders);
        }
        refuseIfInvalid(() -> section.validate(state), where, frame.offset());
        return new Pending<>(section, state, subsections(section, content, where));
    }

    /** The schema of {@code section}'s subsection {@code name}, or null when it declares none such. */
    private static RecordSchema declaredSchema(StateSection<?> section, String name) {
        for (Subsection<?> s : section.subsections()) {
            if (s.name().equals(name)) {
                return RecordCodec.of(s.stateType()).schema();
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static <S extends Record> S upgrade(StateSection<S> section, int v, SectionContent content, String where,
            long offset, Map<String, StateUpgrader<?>> upgraders) throws SavedStateException {
        Optional<dev.tern.spi.state.StateUpgrader<S>> own = section.upgrader();
        StateUpgrader<S> registered = (StateUpgrader<S>) upgraders.get(section.name());
        StateUpgrader<S> up = own.<StateUpgrader<S>>map(u -> (from, old) -> u.upgrade(from, old)).orElse(registered);
        if (up == null) {
            throw new SavedStateException(where + ": version " + v + " is older than " + section.version()
                    + " and no upgrader is registered", offset);
        }
        S state;
        try {
            state = up.upgrade(v, content.values());
        } catch (SavedStateException e) {
            throw new SavedStateException(where + ": upgrade from version " + v + " failed: " + e.getMessage(), offset, e);
        } catch (RuntimeException e) {
            throw new SavedStateException(where + ": upgrade from version " + v + " failed: " + e, offset, e);
        }
        if (state == null || !section.stateType().isInstance(state)) {
            throw new SavedStateException(where + ": upgrader for version " + v + " returned no "
                    + section.stateType().getSimpleName(), offset);
        }
        return state;
    }

    private static List<PendingSub<?>> subsections(StateSection<?> section, SectionContent content, String where)
            throws SavedStateException {
        Map<String, Subsection<?>> declared = new HashMap<>();
        for (Subsection<?> s : section.subsections()) {
            declared.put(s.name(), s);
        }
        List<PendingSub<?>> out = new ArrayList<>();
        for (SectionContent.Part part : content.subsections()) {
            Subsection<?> sub = declared.get(part.name());
            if (sub == null) {
                throw new SavedStateException(where + ": unknown subsection '" + part.name() + "'", part.offset());
            }
            out.add(prepareSub(sub, part, where));
        }
        return out;
    }

    private static <T extends Record> PendingSub<T> prepareSub(Subsection<T> sub, SectionContent.Part part,
            String where) throws SavedStateException {
        String subWhere = where + " subsection '" + part.name() + "'";
        RecordCodec<T> codec = RecordCodec.of(sub.stateType());
        part.schema().requireSameAs(codec.schema(), subWhere, part.offset());
        T state = codec.fromValues(part.values(), subWhere);
        refuseIfInvalid(() -> sub.validate(state), subWhere, part.offset());
        return new PendingSub<>(sub, state);
    }

    /** Runs a validate hook; a hook that throws on odd values refuses the stream like one that says no. */
    private static void refuseIfInvalid(java.util.function.Supplier<Optional<String>> hook, String where, long offset)
            throws SavedStateException {
        Optional<String> why;
        try {
            why = hook.get();
        } catch (RuntimeException e) {
            throw new SavedStateException(where + ": validate failed: " + e, offset, e);
        }
        if (why.isPresent()) {
            throw new SavedStateException(where + ": state refused: " + why.get(), offset);
        }
    }

    private void checkConfig(ConfigHeader got) throws SavedStateException {
        if (!got.machineType().equals(expected.machineType())) {
            throw new SavedStateException("stream is for machine type '" + got.machineType() + "', this machine is '"
                    + expected.machineType() + "'", -1);
        }
        Optional<String> vcpus = expected.vcpuMismatch(got);
        if (vcpus.isPresent()) {
            throw new SavedStateException(vcpus.get(), -1);
        }
        if (got.pageSize() != expected.pageSize()) {
            throw new SavedStateException("stream page size " + got.pageSize() + " differs from "
                    + expected.pageSize(), -1);
        }
        if (got.spiVersion().major() != expected.spiVersion().major()) {
            throw new SavedStateException("stream was saved with SPI " + got.spiVersion() + ", this kernel runs SPI "
                    + expected.spiVersion(), -1);
        }
        if (!got.regions().equals(expected.regions())) {
            throw new SavedStateException("stream memory layout " + got.regions() + " differs from this machine's "
                    + expected.regions(), -1);
        }
    }

    /** Refuses a stream without a section this machine has, unless the section says what its absence means. */
    private List<Pending<?>> requireAllPresent(Map<String, Boolean> present) throws SavedStateException {
        List<Pending<?>> absent = new ArrayList<>();
        for (StateSection<?> s : sections.values()) {
            if (!present.containsKey(key(s.name(), s.instance()))) {
                absent.add(whenAbsent(s));
            }
        }
        for (LiveSection s : liveSections.values()) {
            if (!present.containsKey(key(s.name(), s.instance()))) {
                throw new SavedStateException(where(s.name(), s.instance()) + " missing from the stream", -1);
            }
        }
        return absent;
    }

    private static <S extends Record> Pending<S> whenAbsent(StateSection<S> s) throws SavedStateException {
        S state = s.whenAbsent().orElseThrow(
                () -> new SavedStateException(where(s.name(), s.instance()) + " missing from the stream", -1));
        return new Pending<>(s, state, List.of());
    }

    private static <T> T target(Frame.Open o, Map<String, T> targets, String kind) throws SavedStateException {
        T t = targets.get(key(o.name(), o.instance()));
        if (t == null) {
            throw new SavedStateException("unknown " + kind + " " + where(o.name(), o.instance()), o.offset());
        }
        return t;
    }

    private static <T> void add(Map<String, T> map, String key, T value) {
        if (map.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException(key.replace('\0', '/') + " registered twice");
        }
    }

    private static SavedStateException wrap(IOException e, String what) {
        return e instanceof SavedStateException s ? s : new SavedStateException(what + ": " + e.getMessage(), -1, e);
    }

    private static String key(String name, String instance) {
        return name + '\0' + instance;
    }

    private static String where(String name, String instance) {
        return SavedStateWriter.describe(name, instance);
    }
}
