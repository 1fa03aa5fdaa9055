package dev.tern.kernel.stats;

/** One registered statistic. The set of kinds is closed: counters, profiles and gauges. */
public sealed interface Stat permits Counter, Profile, Gauge {

    /** The path, like {@code /Migration/Sent/Bytes}. */
    String path();

    /** The unit of the value ({@code bytes}, {@code pages}, {@code ns}...). */
    String unit();

    /** What is being measured. */
    String description();

    /** The current value(s), read without stopping writers. */
    StatSample sample();
}
