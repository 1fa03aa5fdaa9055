package dev.tern.x86.fpu;

/** A little-endian byte array standing in for guest memory at an effective address. */
final class ByteMemory implements X87Memory {
    final byte[] bytes;
    final boolean operandSize32;
    final boolean realMode;

    ByteMemory(int size) {
        this(size, true, false);
    }

    ByteMemory(int size, boolean operandSize32, boolean realMode) {
        this.bytes = new byte[size];
        this.operandSize32 = operandSize32;
        this.realMode = realMode;
    }

    @Override
    public int readU8(int off) {
        return bytes[off] & 0xFF;
    }

    @Override
    public int readU16(int off) {
        return readU8(off) | readU8(off + 1) << 8;
    }

    @Override
    public int readU32(int off) {
        return readU16(off) | readU16(off + 2) << 16;
    }

    @Override
    public long readU64(int off) {
        return (readU32(off) & 0xFFFF_FFFFL) | (long) readU32(off + 4) << 32;
    }

    @Override
    public void writeU8(int off, int v) {
        bytes[off] = (byte) v;
    }

    @Override
    public void writeU16(int off, int v) {
        writeU8(off, v);
        writeU8(off + 1, v >> 8);
    }

    @Override
    public void writeU32(int off, int v) {
        writeU16(off, v);
        writeU16(off + 2, v >> 16);
    }

    @Override
    public void writeU64(int off, long v) {
        writeU32(off, (int) v);
        writeU32(off + 4, (int) (v >>> 32));
    }

    @Override
    public boolean operandSize32() {
        return operandSize32;
    }

    @Override
    public boolean realMode() {
        return realMode;
    }
}
