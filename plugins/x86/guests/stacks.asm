; stacks.asm - stack sizes, segment limits and exception frames (Intel SDM vol. 3A 3.4.5,
; 5.3, 6.12, 6.13, 20.3; vol. 1 6.2-6.4): real-mode event frames and IVT relocation; pushes,
; CALL, PUSHAD and IRETD on a 16-bit stack from 32-bit code (operand size vs SS.B), 16-bit code
; on a 32-bit stack, POP SS/LSS that change the stack size; the frame and entry state of every
; kind of gate: 32-bit interrupt and trap gates in the same ring with an error code, a 16-bit
; gate, a privilege change from ring 3 through 32- and 16-bit gates and onto a 16-bit ring-0
; stack, an exit from virtual-8086 mode, the EXT bit; expand-down data and stack segments.
; Soft checks: segment and stack limits (QEMU's TCG does not check them), the EXT bit of an
; error code for a fault while delivering an exception (QEMU 7.2 leaves it clear).
        org 0xF0000
%include "lib/pm32.inc"
%include "lib/info.inc"
%include "lib/capture.inc"
%include "lib/modes.inc"

SS16_SEL    equ 0x30            ; 16-bit data/stack, base 0x30000, limit 0xFFFF
ED32_SEL    equ 0x48            ; expand-down, B=1, limit 0xFFF
ED16_SEL    equ 0x50            ; expand-down, B=0, limit 0xFFF
EDNONE_SEL  equ 0x58            ; expand-down, B=0, limit 0xFFFF: no valid offset
EDALL_SEL   equ 0x60            ; expand-down, B=1, G=1, limit 0xFFFFF: no valid offset
EDG_SEL     equ 0x68            ; expand-down, B=1, G=1, limit 0xF (0xFFFF scaled)
EDSS_SEL    equ 0x70            ; expand-down, B=0, limit 0xFF (a stack)
SS0_16_SEL  equ 0x78            ; 16-bit ring-0 stack, base 0x60000
NORM_SEL    equ 0x80            ; expand-up data, limit 0xFFF
SEG_BASE    equ 0x30000

; Real-mode results (recorded before protected mode, checked after).
RM          equ 0x3800
rm_vec      equ RM + 0x00       ; vector of the last real-mode event (0xFFFF: none)
rm_sp       equ RM + 0x02       ; SP in the handler
rm_ip       equ RM + 0x04       ; the frame: IP, CS, FLAGS
rm_cs       equ RM + 0x06
rm_fl       equ RM + 0x08
rm_hflags   equ RM + 0x0A       ; FLAGS in the handler
rm_resume   equ RM + 0x0C
rm_save_sp  equ RM + 0x0E
rm_int40_sp equ RM + 0x10       ; saved results of each event, 5 words each
rm_int40    equ RM + 0x10
rm_de       equ RM + 0x20
rm_ud       equ RM + 0x30
rm_gp       equ RM + 0x40
rm_lidt     equ RM + 0x50
rm_wrap     equ RM + 0x60

; PROBE size, selector-in-GS offset, expected vector (-1: none), "text"
%macro PROBE 4
        ARM_FAULT %%done
        mov ebx, %2
%ifidn %1, byte
        mov al, [gs:ebx]
%elifidn %1, word
        mov ax, [gs:ebx]
%else
        mov eax, [gs:ebx]
%endif
%%done:
        CHECK_EQ [fault_vector], %3, %4
%endmacro

; ---------------------------------------------------------------- real mode, before pm32's start
        bits 16
real_start:
        REAL_MODE_QUIET
        mov word [0x40 * 4], rm_stub40 - $$
        mov word [0x40 * 4 + 2], 0xF000
        mov word [0 * 4], rm_stub0 - $$
        mov word [0 * 4 + 2], 0xF000
        mov word [6 * 4], rm_stub6 - $$
        mov word [6 * 4 + 2], 0xF000
        mov word [13 * 4], rm_stub13 - $$
        mov word [13 * 4 + 2], 0xF000

        mov word [rm_vec], 0xFFFF
        mov word [rm_resume], .after_int - $$
        sti
        int 0x40
.int40_ret:
.after_int:
        cli
        mov si, rm_int40
        call rm_keep

        mov word [rm_vec], 0xFFFF
        mov word [rm_resume], .after_de - $$
        xor bl, bl
        mov ax, 1
.div:   div bl
.after_de:
        mov si, rm_de
        call rm_keep

        mov word [rm_vec], 0xFFFF
        mov word [rm_resume], .after_ud - $$
.ud:    ud2
.after_ud:
        mov si, rm_ud
        call rm_keep

        mov word [rm_vec], 0xFFFF
        mov word [rm_resume], .after_gp - $$
        mov ax, 0x2000
        mov ds, ax
.gp:    mov ax, [0xFFFF]            ; the word's second byte is past the 64 KiB limit
.after_gp:
        xor ax, ax
        mov ds, ax
        mov si, rm_gp
        call rm_keep

        ; LIDT moves the real-mode vector table: vector 0x40 of a table at 0x8000.
        mov word [0x8000 + 0x40 * 4], rm_stub40b - $$
        mov word [0x8000 + 0x40 * 4 + 2], 0xF000
        mov word [rm_vec], 0xFFFF
        mov word [rm_resume], .after_lidt - $$
        o32 lidt [cs:rm_idt8000 - $$]
        int 0x40
.after_lidt:
        o32 lidt [cs:rm_idt0 - $$]
        mov si, rm_lidt
        call rm_keep

        ; PUSH at SP = 0 wraps to 0xFFFE.
        mov [rm_save_sp], sp
        xor sp, sp
        push word 0x1234
        mov [rm_wrap], sp
        mov ax, [ss:0xFFFE]
        mov [rm_wrap + 2], ax
        mov sp, [rm_save_sp]
        jmp start

; rm_keep: copies the five result words (vector, SP, IP, CS, FLAGS) and the handler's FLAGS to SI.
rm_keep:
        mov ax, [rm_vec]
        mov [si], ax
        mov ax, [rm_sp]
        mov [si + 2], ax
        mov ax, [rm_ip]
        mov [si + 4], ax
        mov ax, [rm_cs]
        mov [si + 6], ax
        mov ax, [rm_fl]
        mov [si + 8], ax
        mov ax, [rm_hflags]
        mov [si + 10], ax
        ret

rm_stub0:
        push word 0
        jmp rm_common
rm_stub6:
        push word 6
        jmp rm_common
rm_stub13:
        push word 13
        jmp rm_common
rm_stub40:
        push word 0x40
        jmp rm_common
rm_stub40b:
        push word 0x140                 ; vector 0x40 through the table LIDT moved
        jmp rm_common

; The frame is [bp+4] IP, [bp+6] CS, [bp+8] FLAGS; ES = 0 in every test (DS is not).
rm_common:
        push bp
        mov bp, sp
        push ax
        pushf
        pop ax
        mov [es:rm_hflags], ax
        mov ax, [bp + 2]
        mov [es:rm_vec], ax
        lea ax, [bp + 4]
        mov [es:rm_sp], ax
        mov ax, [bp + 4]
        mov [es:rm_ip], ax
        mov ax, [bp + 6]
        mov [es:rm_cs], ax
        mov ax, [bp + 8]
        mov [es:rm_fl], ax
        pop ax
        lea sp, [bp + 10]               ; SP as before the event
        jmp word [es:rm_resume]

rm_idt8000: dw 0x3FF
            dd 0x8000
rm_idt0:    dw 0x3FF
            dd 0

; ---------------------------------------------------------------- protected mode
        bits 32
main:
        mov esi, title
        call puts
        call setup_tss
        DESC SS16_SEL,   0x00009303, 0x0000FFFF
        LOW_CODE_SEGMENTS
        DESC ED32_SEL,   0x00409703, 0x00000FFF
        DESC ED16_SEL,   0x00009703, 0x00000FFF
        DESC EDNONE_SEL, 0x00009703, 0x0000FFFF
        DESC EDALL_SEL,  0x00CF9703, 0x0000FFFF
        DESC EDG_SEL,    0x00C09703, 0x0000000F
        DESC EDSS_SEL,   0x00009703, 0x000000FF
        DESC SS0_16_SEL, 0x00009306, 0x0000FFFF
        DESC NORM_SEL,   0x00409303, 0x00000FFF
        call real_mode_results
        call mixed_stacks
        call gate_frames
        call ring_frames
        call v86_frame
        call expand_down
        jmp finish

; ---- real mode (recorded before protected mode) ----
real_mode_results:
        movzx eax, word [rm_int40]
        CHECK_EQ eax, 0x40, "real mode: INT 0x40 through the vector table"
        movzx eax, word [rm_int40 + 2]
        CHECK_EQ eax, 0x0FFA, "  pushes FLAGS, CS, IP: SP 0x1000 -> 0x0ffa"
        movzx eax, word [rm_int40 + 4]
        CHECK_EQ eax, real_start.int40_ret - $$, "  IP after the INT"
        movzx eax, word [rm_int40 + 6]
        CHECK_EQ eax, 0xF000, "  CS"
        movzx eax, word [rm_int40 + 8]
        and eax, 0x0200
        CHECK_EQ eax, 0x0200, "  FLAGS image with IF set"
        movzx eax, word [rm_int40 + 10]
        and eax, 0x0300
        CHECK_EQ eax, 0, "  the handler runs with IF and TF clear"
        movzx eax, word [rm_de]
        CHECK_EQ eax, 0, "real mode: #DE"
        movzx eax, word [rm_de + 4]
        CHECK_EQ eax, real_start.div - $$, "  IP of the DIV (a fault), no error code"
        movzx eax, word [rm_de + 2]
        CHECK_EQ eax, 0x0FFA, "  3-word frame"
        movzx eax, word [rm_ud]
        CHECK_EQ eax, 6, "real mode: #UD"
        movzx eax, word [rm_ud + 4]
        CHECK_EQ eax, real_start.ud - $$, "  IP of the UD2"
        movzx eax, word [rm_lidt]
        CHECK_EQ eax, 0x140, "real mode: LIDT relocates the vector table"
        movzx eax, word [rm_wrap]
        CHECK_EQ eax, 0xFFFE, "real mode: PUSH at SP 0 wraps to 0xfffe"
        movzx eax, word [rm_wrap + 2]
        CHECK_EQ eax, 0x1234, "  and stores at SS:0xfffe"
        SOFT_CHECKS 1
        movzx eax, word [rm_gp]
        CHECK_EQ eax, 13, "real mode: word at offset 0xffff raises #GP"
        movzx eax, word [rm_gp + 4]
        CHECK_EQ eax, real_start.gp - $$, "  IP of the access, no error code"
        SOFT_CHECKS 0
        ret

; ---- operand size vs stack size ----
mixed_stacks:
        mov [saved_esp0], esp
        mov ebx, 0x11223344
        mov ax, SS16_SEL
        mov ss, ax
        mov esp, 0xABCD0100
        push ebx                        ; 32-bit operand, 16-bit stack
        mov [scratch + 0x00], esp
        push bx
        mov [scratch + 0x04], esp
        mov esp, 0xABCD0000
        push ebx                        ; SP 0 wraps
        mov [scratch + 0x08], esp
        call .near
.near:  mov [scratch + 0x0C], esp
        pop ecx
        mov [scratch + 0x10], ecx
        mov [scratch + 0x14], esp
        mov esp, 0xABCD0200
        pushad
        mov [scratch + 0x18], esp
        popad
        mov [scratch + 0x1C], esp
        mov ax, DATA_SEL
        mov ss, ax
        mov esp, [saved_esp0]
        ARM_CAPTURE .int41
        mov dword [cap_ssbase], SEG_BASE
        mov dword [cap_spmask], 0xFFFF
        mov ecx, 0x41
        mov eax, capture
        mov edx, 0x8E00
        mov bx, CODE_SEL
        call set_gate_sel
        mov ecx, 0x42
        mov eax, iret_only
        call set_gate_sel
        mov ax, SS16_SEL
        mov ss, ax
        mov esp, 0xABCD0800             ; clear of the values checked below
        int 0x42
        mov [scratch + 0x20], esp
        int 0x41
.int41_ret:
.int41:
        mov ax, DATA_SEL
        mov ss, ax
        mov esp, [saved_esp0]
        CHECK_EQ [scratch + 0x00], 0xABCD00FC, "PUSH r32 on a 16-bit stack: SP - 4, ESP[31:16] kept"
        CHECK_EQ [SEG_BASE + 0xFC], 0x11223344, "  stored at SS:SP"
        CHECK_EQ [scratch + 0x04], 0xABCD00FA, "PUSH r16 on a 16-bit stack: SP - 2"
        CHECK_EQ [scratch + 0x08], 0xABCDFFFC, "PUSH r32 at SP 0 wraps to SP 0xfffc"
        CHECK_EQ [SEG_BASE + 0xFFFC], 0x11223344, "  stored at SS:0xfffc"
        CHECK_EQ [scratch + 0x0C], 0xABCDFFF8, "CALL from 32-bit code on a 16-bit stack pushes 4 bytes"
        CHECK_EQ [scratch + 0x10], mixed_stacks.near, "  the full EIP"
        CHECK_EQ [scratch + 0x14], 0xABCDFFFC, "POP r32 on a 16-bit stack: SP + 4"
        CHECK_EQ [scratch + 0x18], 0xABCD01E0, "PUSHAD on a 16-bit stack: SP - 32"
        CHECK_EQ [SEG_BASE + 0x1EC], 0xABCD0200, "  pushes all of ESP"
        CHECK_EQ [scratch + 0x1C], 0xABCD0200, "POPAD on a 16-bit stack: SP + 32"
        CHECK_EQ [scratch + 0x20], 0xABCD0800, "INT and IRETD through a 32-bit gate on a 16-bit stack"
        CHECK_EQ [cap_esp], 0xABCD07F4, "32-bit gate, same ring, 16-bit stack: 3 dwords at SP - 12"
        CHECK_EQ [cap_frame], mixed_stacks.int41_ret, "  EIP"
        CHECK_EQ [cap_frame + 4], CODE_SEL, "  CS"

        ; 16-bit code on a 32-bit stack
        mov [scratch + 0x28], esp
        call CODE16_SEL:(code16 - $$)
        mov eax, [scratch + 0x28]
        sub eax, 10
        CHECK_EQ [scratch + 0x20], eax, "PUSH r16 from 16-bit code on a 32-bit stack: ESP - 2"
        sub eax, 2
        CHECK_EQ [scratch + 0x24], eax, "PUSH r32 from 16-bit code on a 32-bit stack: ESP - 4"
        CHECK_EQ esp, [scratch + 0x28], "RETF o32 from 16-bit code back to 32-bit code"

        ; POP SS increments (E)SP at the size of the stack it pops from.
        mov dword [SEG_BASE + 0xFFFC], DATA_SEL
        mov ax, SS16_SEL
        mov ss, ax
        mov esp, 0x0012FFFC
        pop ss                          ; 16-bit stack -> flat: SP wraps, ESP[31:16] kept
        mov ebx, esp
        mov esp, 0x0006FFFC             ; below the ring-0 stack in use
        mov dword [0x6FFFC], SS16_SEL
        pop ss                          ; flat -> 16-bit stack: ESP + 4
        mov ecx, esp
        lss esp, [.lss_ptr]
        push dword 0x5A5A
        mov edx, esp
        mov ax, DATA_SEL
        mov ss, ax
        mov esp, [saved_esp0]
        CHECK_EQ ebx, 0x00120000, "POP SS from a 16-bit stack: SP + 4 wraps, ESP[31:16] kept"
        CHECK_EQ ecx, 0x00070000, "POP SS from a 32-bit stack to a 16-bit one: ESP + 4"
        CHECK_EQ edx, 0xABCD00FC, "LSS loads all of ESP; the next PUSH uses SP"

        SOFT_CHECKS 1
        mov ax, SS16_SEL
        mov ss, ax
        mov esp, 0x0000FFFE
        ARM_FAULT .pop_over
        pop ecx                         ; 0xfffe..0x10001: past the limit
.pop_over:
        mov ax, DATA_SEL
        mov ss, ax
        mov esp, [saved_esp0]
        CHECK_EQ [fault_vector], 12, "POP r32 at SP 0xfffe of a 16-bit stack: #SS"
        CHECK_EQ [fault_error], 0, "  error code 0"
        SOFT_CHECKS 0
        ret

.lss_ptr: dd 0xABCD0100
          dw SS16_SEL

iret_only:
        iretd

        bits 16
code16:
        push ax
        mov [scratch + 0x20], esp
        pop ax
        push eax
        mov [scratch + 0x24], esp
        pop eax
        o32 retf
        bits 32

; ---- gates in the same ring ----
gate_frames:
        mov ecx, 13
        mov eax, capture
        mov edx, 0x8E00
        mov bx, CODE_SEL
        call set_gate_sel
        ARM_CAPTURE .g1
        pushfd
        or dword [esp], 0x4200          ; NT and IF
        popfd
        mov ax, 0x0400
.g1f:   mov ds, ax
.g1:    mov eax, [resume_esp]
        sub eax, 16
        CHECK_EQ [cap_esp], eax, "32-bit interrupt gate, same ring: EFLAGS, CS, EIP, error"
        CHECK_EQ [cap_frame], 0x0400, "  error code: the selector"
        CHECK_EQ [cap_frame + 4], gate_frames.g1f, "  EIP of the faulting instruction"
        CHECK_EQ [cap_frame + 8], CODE_SEL, "  CS"
        mov eax, [cap_frame + 12]
        and eax, 0x4200
        CHECK_EQ eax, 0x4200, "  EFLAGS image with NT and IF"
        mov eax, [cap_flags]
        and eax, 0x4200
        CHECK_EQ eax, 0, "  the handler runs with IF and NT clear"

        mov ecx, 13
        mov eax, capture
        mov edx, 0x8F00
        mov bx, CODE_SEL
        call set_gate_sel
        ARM_CAPTURE .g2
        pushfd
        or dword [esp], 0x4200
        popfd
        mov ax, 0x0400
        mov ds, ax
.g2:    cli
        mov eax, [cap_flags]
        and eax, 0x4200
        CHECK_EQ eax, 0x0200, "32-bit trap gate: IF kept, NT cleared"

        mov ecx, 13
        mov eax, capture - $$
        mov edx, 0x8600
        mov bx, CODELO_SEL
        call set_gate_sel
        ARM_CAPTURE .g3
        sti
        mov ax, 0x0400
.g3f:   mov ds, ax
.g3:    cli
        mov eax, [resume_esp]
        sub eax, 8
        CHECK_EQ [cap_esp], eax, "16-bit interrupt gate, same ring: 4 words"
        movzx eax, word [cap_frame]
        CHECK_EQ eax, 0x0400, "  error code (a word)"
        movzx eax, word [cap_frame + 2]
        CHECK_EQ eax, (gate_frames.g3f - $$ + ROM_BASE) & 0xFFFF, "  IP: EIP[15:0]"
        movzx eax, word [cap_frame + 4]
        CHECK_EQ eax, CODE_SEL, "  CS"
        movzx eax, word [cap_frame + 6]
        and eax, 0x0200
        CHECK_EQ eax, 0x0200, "  FLAGS"
        CHECK_EQ [cap_cs], CODELO_SEL, "  the handler runs in the gate's code segment"

        ; EXT: an exception whose delivery faults sets bit 0 of the new error code (#UD is
        ; benign, so the #NP is delivered rather than escalating to #DF).
        mov ecx, 13
        mov eax, isr13
        mov edx, 0x8E00
        call set_gate
        and byte [IDT_BASE + 6 * 8 + 5], 0x7F   ; #UD gate not present
        ARM_FAULT .ext1
        ud2
.ext1:  CHECK_EQ [fault_vector], 11, "#UD through a not-present gate: #NP"
        SOFT_CHECKS 1
        CHECK_EQ [fault_error], 6 * 8 + 3, "  error code 0x33: vector 6, IDT, EXT (raised by the CPU)"
        SOFT_CHECKS 0
        ARM_FAULT .ext2
        int 6
.ext2:  CHECK_EQ [fault_error], 6 * 8 + 2, "INT 6 through the same gate: error code 0x32, EXT clear"
        or byte [IDT_BASE + 6 * 8 + 5], 0x80
        ret

; ---- privilege change from ring 3 ----
ring_frames:
        mov ecx, 13
        mov eax, capture
        mov edx, 0x8E00
        mov bx, CODE_SEL
        call set_gate_sel
        ARM_CAPTURE .r1
        mov eax, user_cli
        call call_ring3
.r1:    CHECK_EQ [cap_esp], RING0_STACK - 24, "#GP from ring 3, 32-bit gate: 6 dwords on TSS.ESP0"
        CHECK_EQ [cap_frame], 0, "  error code 0"
        CHECK_EQ [cap_frame + 4], user_cli, "  EIP of the CLI"
        CHECK_EQ [cap_frame + 8], CODE3_SEL, "  CS"
        CHECK_EQ [cap_frame + 16], USER_STACK, "  ESP of ring 3"
        CHECK_EQ [cap_frame + 20], DATA3_SEL, "  SS of ring 3"
        CHECK_EQ [cap_ss], DATA_SEL, "  SS = TSS.SS0"

        mov ecx, 13
        mov eax, capture - $$
        mov edx, 0x8600
        mov bx, CODELO_SEL
        call set_gate_sel
        ARM_CAPTURE .r2
        mov eax, user_cli
        call call_ring3
.r2:    CHECK_EQ [cap_esp], RING0_STACK - 12, "#GP from ring 3, 16-bit gate: 6 words"
        movzx eax, word [cap_frame]
        CHECK_EQ eax, 0, "  error code"
        movzx eax, word [cap_frame + 2]
        CHECK_EQ eax, (user_cli - $$ + ROM_BASE) & 0xFFFF, "  IP"
        movzx eax, word [cap_frame + 4]
        CHECK_EQ eax, CODE3_SEL, "  CS"
        movzx eax, word [cap_frame + 8]
        CHECK_EQ eax, USER_STACK & 0xFFFF, "  SP"
        movzx eax, word [cap_frame + 10]
        CHECK_EQ eax, DATA3_SEL, "  SS"

        ; A 16-bit ring-0 stack: TSS.SS0 = a 16-bit segment, ESP0 with a non-zero upper half.
        mov ecx, 13
        mov eax, isr13
        mov edx, 0x8E00
        call set_gate
        mov ecx, 0x44
        mov eax, capture
        mov edx, 0xEE00
        mov bx, CODE_SEL
        call set_gate_sel
        mov dword [TSS_BASE + 4], 0x5A5A0F00
        mov dword [TSS_BASE + 8], SS0_16_SEL
        ARM_CAPTURE .r3
        mov dword [cap_ssbase], 0x60000
        mov dword [cap_spmask], 0xFFFF
        mov eax, user_int44
        call call_ring3
.r3:    mov dword [TSS_BASE + 4], RING0_STACK
        mov dword [TSS_BASE + 8], DATA_SEL
        movzx eax, word [cap_esp]
        CHECK_EQ eax, 0x0EEC, "INT from ring 3 onto a 16-bit TSS.SS0: 5 dwords at SP0 - 20"
        CHECK_EQ [cap_ss], SS0_16_SEL, "  SS = TSS.SS0"
        CHECK_EQ [cap_frame], user_int44.after, "  EIP after the INT"
        CHECK_EQ [cap_frame + 12], USER_STACK, "  ESP of ring 3"
        CHECK_EQ [cap_frame + 16], DATA3_SEL, "  SS of ring 3"
        mov eax, [cap_esp]
        shr eax, 16
        INFO eax, "ESP[31:16] after INT onto a 16-bit ring-0 stack (ring 3: 0x0007, TSS.ESP0: 0x5a5a)"
        ret

user_cli:
        cli
        int RETURN_VECTOR
user_int44:
        int 0x44
.after: int RETURN_VECTOR

; ---- out of virtual-8086 mode ----
v86_frame:
        mov ecx, 13
        mov eax, capture
        mov edx, 0x8E00
        mov bx, CODE_SEL
        call set_gate_sel
        ARM_CAPTURE .back
        V86_IRET v86_cli, 0x20002       ; VM, IOPL 0
.back:  mov ecx, 13
        mov eax, isr13
        mov edx, 0x8E00
        call set_gate
        CHECK_EQ [cap_esp], RING0_STACK - 40, "#GP from virtual-8086 mode: 10 dwords on TSS.ESP0"
        CHECK_EQ [cap_frame], 0, "  error code 0"
        CHECK_EQ [cap_frame + 4], v86_cli - $$, "  EIP of the CLI"
        CHECK_EQ [cap_frame + 8], 0xF000, "  CS"
        mov eax, [cap_frame + 12]
        and eax, 0x23000
        CHECK_EQ eax, 0x20000, "  EFLAGS with VM, IOPL 0"
        CHECK_EQ [cap_frame + 16], V86_SP, "  ESP"
        CHECK_EQ [cap_frame + 20], V86_SS, "  SS"
        CHECK_EQ [cap_frame + 24], 0x1111, "  ES"
        CHECK_EQ [cap_frame + 28], 0x2222, "  DS"
        CHECK_EQ [cap_frame + 32], 0x3333, "  FS"
        CHECK_EQ [cap_frame + 36], 0x4444, "  GS"
        CAP_DATA_SEGMENTS
        CHECK_EQ eax, 0, "  the handler starts with DS, ES, FS, GS null"
        mov eax, [cap_flags]
        and eax, 0x20000
        CHECK_EQ eax, 0, "  and VM clear"

        ; #DE has no error code: 9 dwords.
        mov ecx, 0
        mov eax, capture
        mov edx, 0x8E00
        mov bx, CODE_SEL
        call set_gate_sel
        ARM_CAPTURE .back_de
        V86_IRET v86_div, 0x20002
.back_de:
        mov ecx, 0
        mov eax, isr0
        mov edx, 0x8E00
        call set_gate
        CHECK_EQ [cap_esp], RING0_STACK - 36, "#DE from virtual-8086 mode: 9 dwords, no error code"
        CHECK_EQ [cap_frame], v86_div.div - $$, "  EIP of the DIV (a fault)"
        CHECK_EQ [cap_frame + 4], 0xF000, "  CS"
        CHECK_EQ [cap_frame + 32], 0x4444, "  GS last"
        ret

        bits 16
v86_cli:
        cli
        hlt
v86_div:
        xor bl, bl
        mov ax, 1
.div:   div bl
        hlt
        bits 32

; ---- segment limits: expand-down data and stack segments ----
expand_down:
        mov ax, ED16_SEL
        lsl eax, ax
        CHECK_EQ eax, 0x0FFF, "LSL of an expand-down segment: the limit field"
        mov ax, EDG_SEL
        lsl eax, ax
        CHECK_EQ eax, 0xFFFF, "LSL of a page-granular expand-down segment: scaled"
        mov [saved_esp0], esp
        mov ax, EDSS_SEL
        mov ss, ax
        mov esp, 0x0104
        push eax
        mov ebx, esp
        mov ax, DATA_SEL
        mov ss, ax
        mov esp, [saved_esp0]
        CHECK_EQ ebx, 0x100, "PUSH onto an expand-down stack down to limit + 1"
        SOFT_CHECKS 1
        mov ax, ED32_SEL
        mov gs, ax
        PROBE dword, 0x1000, -1, "expand-down (B=1, limit 0xfff): dword at 0x1000"
        PROBE byte, 0xFFF, 13, "  byte at the limit: #GP"
        PROBE dword, 0xFFE, 13, "  dword at 0xffe (straddles the limit): #GP"
        PROBE dword, 0xFFFFFFFC, -1, "  dword at 0xfffffffc"
        PROBE word, 0xFFFFFFFF, 13, "  word at 0xffffffff (wraps): #GP"
        mov ax, ED16_SEL
        mov gs, ax
        PROBE word, 0xFFFE, -1, "expand-down (B=0, limit 0xfff): word at 0xfffe"
        PROBE dword, 0xFFFE, 13, "  dword at 0xfffe (past 0xffff): #GP"
        PROBE byte, 0x10000, 13, "  byte at 0x10000: #GP"
        PROBE byte, 0x1000, -1, "  byte at 0x1000"
        mov ax, EDNONE_SEL
        mov gs, ax
        PROBE byte, 0xFFFF, 13, "expand-down (B=0, limit 0xffff): byte at 0xffff: #GP"
        PROBE byte, 0x10000, 13, "  byte at 0x10000: #GP"
        mov ax, EDALL_SEL
        mov gs, ax
        PROBE byte, 0, 13, "expand-down (B=1, limit 0xffffffff): byte at 0: #GP"
        PROBE byte, 0xFFFFFFFF, 13, "  byte at 0xffffffff: #GP"
        mov ax, EDG_SEL
        mov gs, ax
        PROBE byte, 0xFFFF, 13, "expand-down (G=1, limit 0xffff): byte at 0xffff: #GP"
        PROBE dword, 0x10000, -1, "  dword at 0x10000"
        mov ax, NORM_SEL
        mov gs, ax
        PROBE dword, 0xFFC, -1, "expand-up (limit 0xfff): dword at 0xffc"
        PROBE dword, 0xFFD, 13, "  dword at 0xffd: #GP"
        PROBE byte, 0x1000, 13, "  byte at 0x1000: #GP"
        mov ax, DATA_SEL
        mov gs, ax
        mov ax, EDSS_SEL
        mov ss, ax
        mov esp, 0xF000
        ARM_FAULT .ss1
        mov ebx, 0xFE
        mov eax, [ss:ebx]
.ss1:   mov ax, DATA_SEL
        mov ss, ax
        mov esp, [saved_esp0]
        CHECK_EQ [fault_vector], 12, "expand-down stack (limit 0xff): SS:0xfe raises #SS"
        CHECK_EQ [fault_error], 0, "  error code 0"
        SOFT_CHECKS 0
        ret

title:  db "stacks: stack sizes, event frames in every mode, expand-down limits", 13, 10, 0

; Reset vector: real-mode checks first, then pm32.inc's start.
%define RESET_ENTRY real_start
%include "lib/reset.inc"
