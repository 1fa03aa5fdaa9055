; x87.asm - FPU basics: FNINIT state, control/status words, arithmetic with exact bit patterns,
; rounding and precision control, compares, integer/BCD conversion, stack faults, FSAVE/FRSTOR.
        org 0xF0000
%include "lib/pm32.inc"

buf     equ scratch + 0x100     ; 108-byte FSAVE image and operands
tmp     equ scratch + 0x40

%macro FSW 0                    ; EAX = status word
        fnstsw ax
        movzx eax, ax
%endmacro

main:
        mov esi, title
        call puts
        mov eax, cr0
        and eax, ~0x0C          ; EM=0, TS=0
        or eax, 0x22            ; MP=1, NE=1 (native #MF reporting)
        mov cr0, eax

        fninit
        fnstcw [tmp]
        movzx eax, word [tmp]
        CHECK_EQ eax, 0x037F, "FNINIT control word 0x037F"
        FSW
        CHECK_EQ eax, 0, "FNINIT status word 0"
        fnstenv [buf]
        movzx eax, word [buf + 8]
        CHECK_EQ eax, 0xFFFF, "FNINIT tag word: all empty"

        fld1
        fld1
        faddp st1, st0
        fistp dword [tmp]
        CHECK_EQ [tmp], 2, "1 + 1 = 2"

        fldpi
        fstp qword [tmp]
        CHECK_EQ [tmp + 4], 0x400921FB, "FLDPI as double (high)"
        CHECK_EQ [tmp], 0x54442D18, "FLDPI as double (low)"
        fldpi
        fstp tword [tmp]
        CHECK_EQ [tmp + 4], 0xC90FDAA2, "FLDPI extended significand high"
        CHECK_EQ [tmp], 0x2168C235, "FLDPI extended significand low (rounded up)"

        fld1
        fidiv dword [three]
        FSW
        and eax, 0x0020
        CHECK_EQ eax, 0x0020, "1/3 raises PE"
        FSW
        and eax, 0x0200
        SOFT_CHECKS 1           ; QEMU's softfloat does not report C1 = rounded up
        CHECK_EQ eax, 0x0200, "1/3 sets C1 (rounded up)"
        SOFT_CHECKS 0
        fstp tword [tmp]
        CHECK_EQ [tmp], 0xAAAAAAAB, "1/3 extended significand low"
        movzx eax, word [tmp + 8]
        CHECK_EQ eax, 0x3FFD, "1/3 exponent"

        fild dword [two]
        fsqrt
        fstp tword [tmp]
        CHECK_EQ [tmp + 4], 0xB504F333, "sqrt(2) significand high"
        CHECK_EQ [tmp], 0xF9DE6484, "sqrt(2) significand low"

        ; Precision control 24 bits: 1/3 rounds to 0xAAAAAB in the register.
        fldcw [cw_single]
        fld1
        fidiv dword [three]
        fstp tword [tmp]
        CHECK_EQ [tmp + 4], 0xAAAAAB00, "PC=24: 1/3 significand"
        CHECK_EQ [tmp], 0, "PC=24: low bits zero"

        ; Rounding control on FIST: 2.5 and -2.5 in all four modes.
        mov ecx, 0
.modes: mov eax, ecx
        shl eax, 10
        or eax, 0x037F
        mov [tmp], ax
        fldcw [tmp]
        fld qword [two_and_half]
        fistp dword [tmp + 4]
        fld qword [two_and_half]
        fchs
        fistp dword [tmp + 8]
        mov eax, [tmp + 4]
        mov [buf + ecx * 8], eax
        mov eax, [tmp + 8]
        mov [buf + ecx * 8 + 4], eax
        inc ecx
        cmp ecx, 4
        jb .modes
        fldcw [cw_default]
        CHECK_EQ [buf], 2, "nearest: 2.5 -> 2"
        CHECK_EQ [buf + 4], -2, "nearest: -2.5 -> -2"
        CHECK_EQ [buf + 8], 2, "down: 2.5 -> 2"
        CHECK_EQ [buf + 12], -3, "down: -2.5 -> -3"
        CHECK_EQ [buf + 16], 3, "up: 2.5 -> 3"
        CHECK_EQ [buf + 20], -2, "up: -2.5 -> -2"
        CHECK_EQ [buf + 24], 2, "chop: 2.5 -> 2"
        CHECK_EQ [buf + 28], -2, "chop: -2.5 -> -2"

        ; Compares: FCOM sets C0 for ST0 < src, C3 for equal, all three for unordered.
        fninit
        fld1
        fcom dword [float_two]
        FSW
        and eax, 0x4500
        CHECK_EQ eax, 0x0100, "FCOM 1 < 2 sets C0"
        fcom dword [float_one]
        FSW
        and eax, 0x4500
        CHECK_EQ eax, 0x4000, "FCOM 1 == 1 sets C3"
        fucom st0
        fcomp dword [float_nan]
        FSW
        mov ebx, eax
        and eax, 0x4500
        CHECK_EQ eax, 0x4500, "FCOMP with NaN: unordered"
        and ebx, 1
        CHECK_EQ ebx, 1, "FCOMP with QNaN raises IE"

        ; FCOMI (P6): CF for below.
        mov eax, 1
        cpuid
        bt edx, 15
        jnc .no_fcomi
        fninit
        fild dword [two]
        fld1
        fcomi st0, st1
        setc al
        movzx eax, al
        CHECK_EQ eax, 1, "FCOMI 1 < 2 sets CF"
        fcomip st0, st0
        setz al
        movzx eax, al
        CHECK_EQ eax, 1, "FCOMIP equal sets ZF"
.no_fcomi:

        ; Masked zero divide: +inf and ZE.
        fninit
        fld1
        fldz
        fdivp st1, st0
        FSW
        and eax, 0x04
        CHECK_EQ eax, 4, "1/0 raises ZE"
        fstp qword [tmp]
        CHECK_EQ [tmp + 4], 0x7FF00000, "1/0 = +infinity"

        ; QEMU TCG does not model x87 stack faults at all: these are WARN-level on QEMU.
        SOFT_CHECKS 1
        ; Stack overflow: the ninth push gives IE|SF with C1=1 and pushes the indefinite.
        fninit
        mov ecx, 9
.push:  fld1
        loop .push
        FSW
        and eax, 0x0241
        CHECK_EQ eax, 0x0241, "stack overflow: IE, SF and C1"
        fstp qword [tmp]
        CHECK_EQ [tmp + 4], 0xFFF80000, "overflow pushes the real indefinite"
        ; Stack underflow: FADD on an empty stack -> IE|SF with C1=0.
        fninit
        fadd st0, st1
        FSW
        and eax, 0x0241
        CHECK_EQ eax, 0x0041, "stack underflow: IE and SF, C1 clear"
        SOFT_CHECKS 0

        ; Integer and BCD conversions.
        fninit
        fild word [minus_seven]
        fimul dword [three]
        fistp word [tmp]
        movzx eax, word [tmp]
        CHECK_EQ eax, 0xFFEB, "-7 * 3 = -21 (16-bit)"
        fild qword [big_int]
        fistp qword [tmp]
        CHECK_EQ [tmp + 4], 0x12345678, "64-bit integer round trip (high)"
        CHECK_EQ [tmp], 0x9ABCDEF0, "64-bit integer round trip (low)"
        fild dword [bcd_value]
        fbstp [tmp]
        CHECK_EQ [tmp], 0x00012345, "FBSTP 12345"
        fbld [tmp]
        fistp dword [tmp]
        CHECK_EQ [tmp], 12345, "FBLD back"
        fld qword [too_big]
        fistp word [tmp]
        movzx eax, word [tmp]
        CHECK_EQ eax, 0x8000, "out of range FISTP gives the integer indefinite"

        ; FPREM: 11 rem 3 = 2, quotient 3 -> C3 = Q1 = 1, C1 = Q0 = 1, C0 = Q2 = 0.
        fninit
        fild dword [three]
        fild dword [eleven]
        fprem
        FSW
        and eax, 0x4700
        CHECK_EQ eax, 0x4200, "FPREM quotient bits in C3/C1"
        fistp dword [tmp]
        CHECK_EQ [tmp], 2, "FPREM remainder"

        ; FSAVE/FRSTOR round trip; FSAVE reinitialises.
        fninit
        fldcw [cw_up]
        fild dword [eleven]
        fldpi
        fsave [buf]
        fnstcw [tmp]
        movzx eax, word [tmp]
        CHECK_EQ eax, 0x037F, "FSAVE leaves the FPU initialised"
        movzx eax, word [buf]
        CHECK_EQ eax, 0x0B7F, "FSAVE image holds the control word"
        movzx eax, word [buf + 8]
        CHECK_EQ eax, 0x0FFF, "FSAVE tag word: R6, R7 valid"
        frstor [buf]
        fnstcw [tmp]
        movzx eax, word [tmp]
        CHECK_EQ eax, 0x0B7F, "FRSTOR restores the control word"
        fstp tword [tmp]
        CHECK_EQ [tmp], 0x2168C235, "FRSTOR restores ST0"
        fistp dword [tmp]
        CHECK_EQ [tmp], 11, "FRSTOR restores ST1"

        call finish

title:          db "x87: FPU basics", 13, 10, 0
                align 8
two_and_half:   dq 2.5
big_int:        dq 0x123456789ABCDEF0
too_big:        dq 40000.0
three:          dd 3
two:            dd 2
eleven:         dd 11
bcd_value:      dd 12345
float_one:      dd 1.0
float_two:      dd 2.0
float_nan:      dd 0x7FC00000
minus_seven:    dw -7
cw_default:     dw 0x037F
cw_single:      dw 0x007F
cw_up:          dw 0x0B7F

%include "lib/reset.inc"
