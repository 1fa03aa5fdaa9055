package dev.tern.kernel.state;

import dev.tern.spi.state.LiveSection;

import java.io.DataInput;
import java.io.IOException;

/**
 * Implemented by a {@link LiveSection} that can check a part without applying it, so
 * {@link SnapshotLoader} refuses a bad stream before any RAM is touched. Live sections without it
 * are only checked as they receive, after device sections were verified.
 */
public interface LivePartCheck {

    /**
     * Checks one part as {@link LiveSection#receive} would read it, consuming it entirely and
     * changing nothing.
     *
     * @throws IOException naming what is wrong
     */
    void check(DataInput in) throws IOException;

    /**
     * The oldest part version this section still reads; the newest is its
     * {@link LiveSection#version()}. Parts of every version in between must mean the same to it.
     */
    int oldestVersion();
}
