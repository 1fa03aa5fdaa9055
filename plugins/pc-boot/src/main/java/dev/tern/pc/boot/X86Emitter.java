package dev.tern.pc.boot;

import java.util.Arrays;

/**
 * Writes the handful of x86 instructions the boot stub needs into a fixed-size image. Each method
 * documents its encoding (Intel SDM vol. 2); only register forms the stub uses are offered, so
 * every byte emitted is one a reader can check against the manual.
 */
final class X86Emitter {

    /** Segment registers by their ModRM reg-field number. */
    enum Segment {
        ES(0), CS(1), SS(2), DS(3), FS(4), GS(5);

        final int code;

        Segment(int code) {
            this.code = code;
        }
    }

    /** 32-bit general registers by their encoding number. */
    enum Reg32 {
        EAX(0), ECX(1), EDX(2), EBX(3), ESP(4), EBP(5), ESI(6), EDI(7);

        final int code;

        Reg32(int code) {
            this.code = code;
        }
    }

    private final byte[] image;
    private int pos;

    X86Emitter(int size, byte fill) {
        image = new byte[size];
        Arrays.fill(image, fill);
    }

    /** Moves the write position to {@code offset}. */
    X86Emitter at(int offset) {
        if (offset < 0 || offset > image.length) {
            throw new IllegalArgumentException("emitter offset 0x" + Integer.toHexString(offset) + " outside image");
        }
        pos = offset;
        return this;
    }

    int position() {
        return pos;
    }

    byte[] image() {
        return image.clone();
    }

    X86Emitter u8(int v) {
        if (pos >= image.length) {
            throw new IllegalStateException("boot stub overflows its " + image.length + "-byte image at 0x"
                    + Integer.toHexString(pos));
        }
        image[pos++] = (byte) v;
        return this;
    }

    X86Emitter u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    X86Emitter u32(long v) {
        return u16((int) v).u16((int) (v >>> 16));
    }

    X86Emitter u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    /** {@code FA}: CLI. */
    X86Emitter cli() {
        return u8(0xFA);
    }

    /** {@code FC}: CLD. */
    X86Emitter cld() {
        return u8(0xFC);
    }

    /** {@code E4 ib}: IN AL, imm8. */
    X86Emitter inAlImm8(int port) {
        return u8(0xE4).u8(port);
    }

    /** {@code E6 ib}: OUT imm8, AL. */
    X86Emitter outImm8Al(int port) {
        return u8(0xE6).u8(port);
    }

    /** {@code 0C ib}: OR AL, imm8. */
    X86Emitter orAlImm8(int v) {
        return u8(0x0C).u8(v);
    }

    /** {@code 24 ib}: AND AL, imm8. */
    X86Emitter andAlImm8(int v) {
        return u8(0x24).u8(v);
    }

    /**
     * {@code 2E 66 0F 01 16 disp16}: in 16-bit code, {@code o32 LGDT [CS:disp16]} (ModRM 0x16 = mod 00,
     * reg 2 = LGDT, rm 110 = disp16). The operand-size prefix makes the CPU load all 32 bits of the base.
     */
    X86Emitter lgdtCsDisp16O32(int disp) {
        return u8(0x2E).u8(0x66).u8(0x0F).u8(0x01).u8(0x16).u16(disp);
    }

    /** {@code 0F 20 C0}: MOV EAX, CR0 (ModRM 11 000 000). */
    X86Emitter movEaxCr0() {
        return u8(0x0F).u8(0x20).u8(0xC0);
    }

    /** {@code 0F 22 C0}: MOV CR0, EAX. */
    X86Emitter movCr0Eax() {
        return u8(0x0F).u8(0x22).u8(0xC0);
    }

    /** {@code EA iw iw} in 16-bit code: JMP ptr16:16. */
    X86Emitter jmpFar16(int selector, int offset) {
        return u8(0xEA).u16(offset).u16(selector);
    }

    /** {@code 66 EA id iw} in 16-bit code: JMP ptr16:32 (into a 32-bit code segment). */
    X86Emitter jmpFar32From16(int selector, long offset) {
        return u8(0x66).u8(0xEA).u32(offset).u16(selector);
    }

    /** {@code EA id iw} in 32-bit code: JMP ptr16:32. */
    X86Emitter jmpFar32(int selector, long offset) {
        return u8(0xEA).u32(offset).u16(selector);
    }

    /** {@code B8+r id}: MOV r32, imm32. */
    X86Emitter movImm32(Reg32 r, long v) {
        return u8(0xB8 + r.code).u32(v);
    }

    /** {@code 8E /r} with ModRM 11 sreg r: MOV Sreg, r32 (32-bit code, no prefix). */
    X86Emitter movSreg(Segment s, Reg32 r) {
        return u8(0x8E).u8(0xC0 | s.code << 3 | r.code);
    }

    /** {@code 31 /r} with ModRM 11 r r: XOR r32, r32 (clears the register). */
    X86Emitter xorSelf(Reg32 r) {
        return u8(0x31).u8(0xC0 | r.code << 3 | r.code);
    }

    /** {@code 0F A2}: CPUID. */
    X86Emitter cpuid() {
        return u8(0x0F).u8(0xA2);
    }

    /** {@code F7 /0 id} with ModRM 11 000 r: TEST r32, imm32. */
    X86Emitter testImm32(Reg32 r, long v) {
        return u8(0xF7).u8(0xC0 | r.code).u32(v);
    }

    /** {@code 74 cb}: JZ rel8, relative to the next instruction. */
    X86Emitter jzRel8(int displacement) {
        if (displacement < -128 || displacement > 127) {
            throw new IllegalArgumentException("JZ rel8 displacement " + displacement + " out of range");
        }
        return u8(0x74).u8(displacement);
    }

    /** {@code C7 05 disp32 id}: MOV DWORD [disp32], imm32 (ModRM 00 000 101 = absolute address). */
    X86Emitter movMemImm32(long address, long v) {
        return u8(0xC7).u8(0x05).u32(address).u32(v);
    }
}
