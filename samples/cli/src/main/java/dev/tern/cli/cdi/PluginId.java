package dev.tern.cli.cdi;

import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.inject.Qualifier;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Objects;

/**
 * Selects a plugin provider by id, e.g. {@code @Inject @PluginId("x86") CpuProvider cpu}. The bean
 * type (the provider interface) selects the kind, so ids only need to be unique within a kind.
 */
@Qualifier
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD, ElementType.TYPE})
public @interface PluginId {

    /** The provider id. */
    String value();

    /** A {@link PluginId} instance for programmatic lookup. */
    final class Literal extends AnnotationLiteral<PluginId> implements PluginId {

        private static final long serialVersionUID = 1L;

        private final String value;

        private Literal(String value) {
            this.value = Objects.requireNonNull(value, "value");
        }

        /** {@code @PluginId(value)}. */
        public static Literal of(String value) {
            return new Literal(value);
        }

        @Override
        public String value() {
            return value;
        }
    }
}
