package dev.tern.kernel.state;

import dev.tern.spi.state.StateSection;
import dev.tern.spi.state.Subsection;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** A device section over a plain field, recording every load. */
final class TestSection<S extends Record> implements StateSection<S> {

    private final String name;
    private final String instance;
    private final Class<S> type;
    private final int version;
    private final int minVersion;
    final List<Subsection<?>> subsections = new ArrayList<>();
    Function<S, Optional<String>> validator = s -> Optional.empty();
    S current;
    final List<S> loaded = new ArrayList<>();

    TestSection(String name, String instance, Class<S> type, S current, int version, int minVersion) {
        this.name = name;
        this.instance = instance;
        this.type = type;
        this.current = current;
        this.version = version;
        this.minVersion = minVersion;
    }

    TestSection(String name, Class<S> type, S current) {
        this(name, "0", type, current, 1, 1);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String instance() {
        return instance;
    }

    @Override
    public Class<S> stateType() {
        return type;
    }

    @Override
    public S save() {
        return current;
    }

    @Override
    public void load(S state) {
        loaded.add(state);
        current = state;
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public int minVersion() {
        return minVersion;
    }

    @Override
    public Optional<String> validate(S state) {
        return validator.apply(state);
    }

    @Override
    public List<Subsection<?>> subsections() {
        return subsections;
    }

    /** A subsection over a plain field. */
    static final class Sub<T extends Record> implements Subsection<T> {
        private final String name;
        private final Class<T> type;
        boolean needed = true;
        T current;
        final List<T> loaded = new ArrayList<>();

        Sub(String name, Class<T> type, T current) {
            this.name = name;
            this.type = type;
            this.current = current;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Class<T> stateType() {
            return type;
        }

        @Override
        public boolean needed() {
            return needed;
        }

        @Override
        public T save() {
            return current;
        }

        @Override
        public void load(T state) {
            loaded.add(state);
        }
    }
}
