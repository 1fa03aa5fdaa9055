package dev.tern.x86.memory;

/**
 * A decoded 8-byte segment or gate descriptor.
 *
 * @param lo low dword as stored in the table
 * @param hi high dword
 */
public record Descriptor(int lo, int hi) {

    public int base() {
        return (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
    }

    /** The limit in bytes, scaled by the granularity bit. */
    public int limit() {
        int l = (lo & 0xffff) | (hi & 0xf0000);
        return (hi & 0x800000) != 0 ? (l << 12) | 0xfff : l;
    }

    /** Descriptor bits 40..55, the format of {@link Segment#attr}. */
    public int attr() {
        return (hi >>> 8) & 0xf0ff;
    }

    public int type() {
        return (hi >>> 8) & 0xf;
    }

    public boolean system() {
        return (hi & 0x1000) == 0;
    }

    public int dpl() {
        return (hi >>> 13) & 3;
    }

    public boolean present() {
        return (hi & 0x8000) != 0;
    }

    public boolean code() {
        return !system() && (hi & 0x800) != 0;
    }

    public boolean conforming() {
        return code() && (hi & 0x400) != 0;
    }

    public boolean readable() {
        return !system() && (!code() || (hi & 0x200) != 0);
    }

    public boolean writableData() {
        return !system() && !code() && (hi & 0x200) != 0;
    }

    /** Gate: target selector. */
    public int gateSelector() {
        return lo >>> 16;
    }

    /** Gate: target offset (16-bit gates use only the low half). */
    public int gateOffset() {
        return (lo & 0xffff) | (hi & 0xffff0000);
    }

    /** Call gate: parameter dword/word count. */
    public int gateParams() {
        return hi & 0x1f;
    }

    /** Loads this descriptor into a segment register cache. */
    public void loadInto(Segment s, int selector) {
        s.set(selector, base(), limit(), attr(), true);
    }
}
