; rings.asm - privilege levels: TSS, ring 3 entry by IRET, back to ring 0 by INT (stack switch
; through TSS.SS0:ESP0), a call gate with parameter copying, RETF to the outer ring (data
; segment nulling), and ring-3 privilege faults with their error codes.
        org 0xF0000
%include "lib/pm32.inc"

GATE_SEL equ FREE_SEL | 3       ; call gate, DPL 3
gate_esp     equ scratch + 0x00
gate_cs      equ scratch + 0x04
gate_param0  equ scratch + 0x08
gate_param1  equ scratch + 0x0C
gate_old_esp equ scratch + 0x10
gate_old_ss  equ scratch + 0x14
gate_cpl     equ scratch + 0x18

main:
        mov esi, title
        call puts
        call setup_tss
        str ax
        movzx eax, ax
        CHECK_EQ eax, TSS_SEL, "TR loaded with the TSS"
        ; Call gate: DPL 3, target CODE_SEL:gate_target, 2 parameter dwords.
        mov eax, GATE_SEL
        mov ecx, (CODE_SEL << 16) | ((gate_target - $$ + ROM_BASE) & 0xFFFF)
        mov edx, ((gate_target - $$ + ROM_BASE) & 0xFFFF0000) | 0xEC02
        call set_descriptor

        mov eax, user_basics
        call call_ring3
        CHECK_EQ eax, 3, "IRET entered ring 3 (CPL from CS.RPL)"
        CHECK_EQ ebx, DATA3_SEL, "ring 3 runs with its own SS"
        CHECK_EQ [ring3_esp0], RING0_STACK - 20, "INT from ring 3 switched to TSS.ESP0"
        CHECK_EQ [ring3_frame + 4], CODE3_SEL, "interrupt frame holds the ring-3 CS"
        CHECK_EQ [ring3_frame + 12], USER_STACK, "interrupt frame holds the ring-3 ESP"
        CHECK_EQ [ring3_frame + 16], DATA3_SEL, "interrupt frame holds the ring-3 SS"

        mov eax, user_call_gate
        call call_ring3
        CHECK_EQ [gate_cpl], 0, "call gate entered ring 0"
        CHECK_EQ [gate_esp], RING0_STACK - 24, "call gate switched to TSS.ESP0 (4 + 2 params)"
        CHECK_EQ [gate_cs], CODE3_SEL, "call gate frame: caller CS"
        CHECK_EQ [gate_param0], 0x2222, "call gate copied parameter 0"
        CHECK_EQ [gate_param1], 0x1111, "call gate copied parameter 1"
        CHECK_EQ [gate_old_esp], USER_STACK - 12, "call gate frame: caller ESP"
        CHECK_EQ [gate_old_ss], DATA3_SEL, "call gate frame: caller SS"
        CHECK_EQ eax, USER_STACK - 4, "RETF 8 released the parameters on the ring-3 stack"
        CHECK_EQ ebx, 0, "RETF to ring 3 nulled GS (DPL 0 data)"
        CHECK_EQ ecx, 3, "RETF returned to CPL 3"

        mov eax, user_privileged
        call call_ring3
        CHECK_EQ eax, 0x0D0D, "CLI in ring 3 (IOPL 0) raises #GP(0)"
        CHECK_EQ ebx, 0x0D0D, "MOV from CR0 in ring 3 raises #GP(0)"
        CHECK_EQ ecx, DATA_SEL, "loading a DPL-0 data selector raises #GP(selector)"
        CHECK_EQ edx, 0x6A, "INT 0x0D through a DPL-0 gate raises #GP(0x0D*8+2)"
        CHECK_EQ [fault_esp], RING0_STACK - 36, "#GP from ring 3 ran on the TSS stack"
        call finish

; ---- ring 0 side of the call gate ----
gate_target:
        mov [gate_esp], esp
        mov eax, [esp + 4]
        mov [gate_cs], eax
        mov eax, [esp + 8]
        mov [gate_param0], eax
        mov eax, [esp + 12]
        mov [gate_param1], eax
        mov eax, [esp + 16]
        mov [gate_old_esp], eax
        mov eax, [esp + 20]
        mov [gate_old_ss], eax
        mov ax, cs
        and eax, 3
        mov [gate_cpl], eax
        mov ax, DATA_SEL
        mov gs, ax              ; must be nulled by the RETF to ring 3
        retf 8

; ---- ring 3 code ----
user_basics:
        mov ax, cs
        movzx eax, ax
        and eax, 3
        mov bx, ss
        movzx ebx, bx
        int RETURN_VECTOR

user_call_gate:
        push dword 0x5A5A       ; marker so ESP differs from USER_STACK
        push dword 0x1111
        push dword 0x2222
        call GATE_SEL:0
        mov eax, esp
        mov bx, gs
        movzx ebx, bx
        mov cx, cs
        movzx ecx, cx
        and ecx, 3
        int RETURN_VECTOR

user_privileged:
        xor eax, eax
        mov dword [fault_resume], .after_cli
        cli
.after_cli:
        cmp dword [fault_vector], 13
        jne .cr0
        cmp dword [fault_error], 0
        jne .cr0
        mov eax, 0x0D0D
.cr0:   xor ebx, ebx
        mov dword [fault_resume], .after_cr0
        mov ebx, cr0
        xor ebx, ebx
.after_cr0:
        cmp dword [fault_vector], 13
        jne .ds
        mov ebx, 0x0D0D
.ds:    mov dword [fault_error], 0
        mov dword [fault_resume], .after_ds
        mov cx, DATA_SEL
        mov ds, cx
.after_ds:
        mov ecx, [fault_error]
        mov dword [fault_resume], .after_int
        int 0x0D
.after_int:
        mov edx, [fault_error]
        int RETURN_VECTOR

title:  db "rings: TSS, IRET to ring 3, INT stack switch, call gate, RETF outward", 13, 10, 0

%include "lib/reset.inc"
