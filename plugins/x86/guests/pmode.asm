; pmode.asm - real mode -> 32-bit protected mode entry; segment register and descriptor checks.
        org 0xF0000
%include "lib/pm32.inc"

main:
        mov esi, title
        call puts
        mov eax, cr0
        and eax, 1
        CHECK_EQ eax, 1, "CR0.PE set after the switch"
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, CODE_SEL, "CS holds the ring-0 code selector"
        mov ax, ss
        movzx eax, ax
        CHECK_EQ eax, DATA_SEL, "SS holds the flat data selector"
        ; 32-bit default operand size: a push moves ESP by 4.
        mov ebx, esp
        push eax
        sub ebx, esp
        pop eax
        CHECK_EQ ebx, 4, "32-bit code segment pushes dwords"
        ; Flat 4 GiB data: the ROM alias at the top of memory matches the copy at 0xF0000.
        mov eax, [0xFFFFFFF0]
        CHECK_EQ eax, [0xFFFF0], "reset vector readable at 0xFFFFFFF0 and 0xFFFF0"
        ; A data segment with base 0x100000: ES:0 reaches linear 0x100000.
        mov eax, FREE_SEL
        mov ecx, 0x0000FFFF
        mov edx, 0x00CF9310     ; base 0x00100000 (bits 16..23 = 0x10)
        call set_descriptor
        mov dword [0x100000], 0xCAFEF00D
        mov ax, FREE_SEL
        mov es, ax
        mov eax, [es:0]
        CHECK_EQ eax, 0xCAFEF00D, "segment base is added to the offset"
        ; LSL/LAR report limit and access rights.
        mov eax, FREE_SEL
        lsl ebx, eax
        CHECK_EQ ebx, 0xFFFFFFFF, "LSL returns the page-granular limit"
        lar ebx, eax
        and ebx, 0x00F0FF00
        CHECK_EQ ebx, 0x00C09300, "LAR returns the access rights"
        ; Byte-granular limit 0xFFF: reading at 0xFFD..0x1000 crosses it -> #GP(0).
        mov eax, FREE_SEL + 8
        mov ecx, 0x00000FFF
        mov edx, 0x00409310
        call set_descriptor
        mov ax, FREE_SEL + 8
        mov es, ax
        mov eax, [es:0xFFC]
        CHECK_EQ eax, [0x100FFC], "access at the last dword inside the limit"
        SOFT_CHECKS 1
        ARM_FAULT .after_gp
        mov eax, [es:0xFFD]
.after_gp:
        CHECK_EQ [fault_vector], 13, "access beyond the limit raises #GP"
        CHECK_EQ [fault_error], 0, "#GP error code 0 for a limit violation"
        ; Loading a null selector into DS is allowed; using it faults.
        mov ax, 0
        mov fs, ax
        ARM_FAULT .after_null
        mov eax, [fs:0]
.after_null:
        CHECK_EQ [fault_vector], 13, "access through a null selector raises #GP"
        SOFT_CHECKS 0
        ; Loading a code selector into SS raises #GP(selector).
        ARM_FAULT .after_ss
        mov ax, CODE_SEL
        mov ss, ax
.after_ss:
        CHECK_EQ [fault_vector], 13, "MOV SS with a code selector raises #GP"
        CHECK_EQ [fault_error], CODE_SEL, "error code is the selector"
        mov ax, DATA_SEL
        mov es, ax
        ; A 16-bit code segment: the same bytes decode with 16-bit operands.
        mov eax, FREE_SEL + 16
        mov ecx, 0x0000FFFF
        mov edx, 0x000F9B0F     ; base 0x000F0000, 16-bit, byte granular
        call set_descriptor
        call FREE_SEL + 16:(code16 - $$)
        CHECK_EQ eax, 0x12342222, "far call into a 16-bit segment and back"
        call finish

        bits 16
code16:                         ; 16-bit code: `mov ax, imm16` leaves the upper EAX half
        mov eax, 0x12341111
        mov ax, 0x2222
        o32 retf
        bits 32

title:  db "pmode: real -> protected mode, segmentation", 13, 10, 0

%include "lib/reset.inc"
