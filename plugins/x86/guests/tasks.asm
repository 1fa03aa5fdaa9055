; tasks.asm - hardware task switches and the I/O permission bitmap (Intel SDM vol. 3A 8.3-8.4,
; 19.5, and IRET/CALL/JMP/LTR in vol. 2): CALL to a TSS (back link, NT, busy bits of both
; tasks, CR0.TS, the caller's registers kept in its TSS), IRET back (NT cleared in the saved
; image, busy bit released), JMP to a TSS and back (no back link, busy bits moved), the faults
; of CALL/JMP to a busy TSS, LTR of a busy TSS, IRET to a task that is not busy (#TS), a TSS
; below the minimum limit (#TS), INT n through a task gate, an exception through a task gate
; (error code on the new task's stack, fault EIP in the old task's TSS); IN from ring 3 at
; IOPL 0 against the bitmap (allowed, denied, a word straddling a denied port, the byte past
; the end of the map), and at IOPL 3 without it.
        org 0xF0000
%include "lib/pm32.inc"

TSSB_SEL    equ 0x30
TSSC_SEL    equ 0x38            ; limit 0x66: below the 32-bit minimum
TSSB_BASE   equ 0x5000
TSSC_BASE   equ 0x5100
B_STACK     equ 0x6F000
IOMAP_LIMIT equ 0x68 + 0x20     ; map for ports 0..0xFF, then the 0xFF terminator byte

b_mode      equ scratch + 0x00  ; 0: IRET back, 1: JMP back to A, 2: exception (see task_b)
b_flags     equ scratch + 0x04
b_link      equ scratch + 0x08
b_busy_a    equ scratch + 0x0C
b_busy_b    equ scratch + 0x10
b_cr0       equ scratch + 0x14
b_esp       equ scratch + 0x18
b_top       equ scratch + 0x1C
b_a_eip     equ scratch + 0x20
b_resume    equ scratch + 0x24
a_eax       equ scratch + 0x28
io_results  equ scratch + 0x40  ; vectors seen by the ring-3 port reads

%macro BUSY_TYPE 2              ; register, selector: the TSS descriptor's type nibble
        movzx %1, byte [GDT_BASE + %2 + 5]
        and %1, 0xF
%endmacro

main:
        mov esi, title
        call puts
        mov al, 0xFF
        out 0x21, al
        out 0xA1, al
        call setup_tss
        BUSY_TYPE eax, TSS_SEL
        CHECK_EQ eax, 0xB, "LTR marks the TSS busy"
        ; Task B: a 32-bit TSS running task_b on its own stack, flat ring-0 segments.
        mov edi, TSSB_BASE
        call init_tss
        mov edi, TSSC_BASE
        call init_tss
        mov eax, TSSB_SEL
        mov ecx, (TSSB_BASE << 16) | 0x67
        mov edx, 0x00008900 | ((TSSB_BASE >> 16) & 0xFF)
        call set_descriptor
        mov eax, TSSC_SEL
        mov ecx, (TSSC_BASE << 16) | 0x66
        mov edx, 0x00008900 | ((TSSC_BASE >> 16) & 0xFF)
        call set_descriptor

        ; ---- CALL to a TSS, IRET back ----
        mov dword [b_mode], 0
        mov eax, 0x600DCAFE
        call TSSB_SEL:0
        mov [a_eax], eax
        mov eax, [b_flags]
        and eax, 0x4000
        CHECK_EQ eax, 0x4000, "CALL to a TSS: the new task runs with NT set"
        CHECK_EQ [b_link], TSS_SEL, "  its back link names the caller's TSS"
        CHECK_EQ [b_busy_a], 0xB, "  the caller's TSS stays busy"
        CHECK_EQ [b_busy_b], 0xB, "  the new TSS is busy"
        mov eax, [b_cr0]
        and eax, 8
        CHECK_EQ eax, 8, "  CR0.TS is set"
        CHECK_EQ [b_esp], B_STACK, "  ESP from the new TSS"
        CHECK_EQ [a_eax], 0x600DCAFE, "IRET back: the caller's registers come from its TSS"
        BUSY_TYPE eax, TSSB_SEL
        CHECK_EQ eax, 0x9, "IRET back: the returning task's TSS is no longer busy"
        BUSY_TYPE eax, TSS_SEL
        CHECK_EQ eax, 0xB, "  the caller's TSS is still busy"
        mov eax, [TSSB_BASE + 0x24]
        and eax, 0x4000
        CHECK_EQ eax, 0, "  NT is cleared in the EFLAGS saved in the returning TSS"
        pushfd
        pop eax
        and eax, 0x4000
        CHECK_EQ eax, 0, "  the caller runs with its own NT (clear)"

        ; ---- JMP to a TSS, JMP back ----
        mov dword [b_mode], 1
        mov word [TSSB_BASE], 0xBEEF
        jmp TSSB_SEL:0
        CHECK_EQ [b_link], 0xBEEF, "JMP to a TSS leaves its back link alone"
        mov eax, [b_flags]
        and eax, 0x4000
        CHECK_EQ eax, 0, "  NT comes from the TSS image (clear)"
        CHECK_EQ [b_busy_a], 0x9, "  the old TSS is no longer busy"
        CHECK_EQ [b_busy_b], 0xB, "  the new TSS is busy"
        BUSY_TYPE eax, TSS_SEL
        CHECK_EQ eax, 0xB, "JMP back: busy again"
        BUSY_TYPE eax, TSSB_SEL
        CHECK_EQ eax, 0x9, "  and the other TSS released"

        ; ---- faults ----
        ARM_FAULT .f1
        call TSS_SEL:0
.f1:    CHECK_EQ [fault_vector], 13, "CALL to the busy current TSS: #GP"
        CHECK_EQ [fault_error], TSS_SEL, "  error code: the TSS selector"
        ARM_FAULT .f2
        jmp TSS_SEL:0
.f2:    CHECK_EQ [fault_vector], 13, "JMP to a busy TSS: #GP"
        CHECK_EQ [fault_error], TSS_SEL, "  error code: the TSS selector"
        ARM_FAULT .f3
        mov ax, TSS_SEL
        ltr ax
.f3:    CHECK_EQ [fault_vector], 13, "LTR of a busy TSS: #GP"
        CHECK_EQ [fault_error], TSS_SEL, "  error code: the TSS selector"
        ARM_FAULT .f4
        call TSSC_SEL:0
.f4:    CHECK_EQ [fault_vector], 10, "CALL to a TSS with limit 0x66: #TS"
        CHECK_EQ [fault_error], TSSC_SEL, "  error code: the TSS selector"
        BUSY_TYPE eax, TSS_SEL
        CHECK_EQ eax, 0xB, "  the current task is unchanged"
        mov word [TSS_BASE], TSSB_SEL
        pushfd
        or dword [esp], 0x4000
        popfd
        ARM_FAULT .f5
        iretd
.f5:    pushfd
        and dword [esp], ~0x4000
        popfd
        CHECK_EQ [fault_vector], 10, "IRET (NT) to a task that is not busy: #TS"
        CHECK_EQ [fault_error], TSSB_SEL, "  error code: the back-link selector"

        ; ---- task gates ----
        mov ecx, 0x60
        xor eax, eax
        mov edx, 0x8500
        mov bx, TSSB_SEL
        call set_task_gate
        mov dword [b_mode], 0
        mov dword [b_link], 0
        int 0x60
        CHECK_EQ [b_link], TSS_SEL, "INT through a task gate: back link to the interrupted task"
        mov eax, [b_flags]
        and eax, 0x4000
        CHECK_EQ eax, 0x4000, "  NT set in the handler task"
        CHECK_EQ [b_esp], B_STACK, "  no frame on the handler task's stack"
        mov ecx, 13
        mov edx, 0x8500
        mov bx, TSSB_SEL
        call set_task_gate
        mov dword [b_mode], 2
        mov dword [b_resume], .gp_resume
        mov ax, 0x0400
.gp_fault:
        mov ds, ax
.gp_resume:
        mov ecx, 13
        mov eax, isr13
        mov edx, 0x8E00
        call set_gate
        CHECK_EQ [b_esp], B_STACK - 4, "#GP through a task gate: the error code on the new task's stack"
        CHECK_EQ [b_top], 0x0400, "  error code: the selector"
        CHECK_EQ [b_a_eip], main.gp_fault, "  the old task's TSS holds the faulting EIP"
        clts

        ; ---- I/O permission bitmap ----
        mov edi, TSS_BASE + 0x68
        mov ecx, 0x20 / 4
        xor eax, eax
        rep stosd
        mov byte [TSS_BASE + IOMAP_LIMIT], 0xFF
        or byte [TSS_BASE + 0x68 + 0x81 / 8], 1 << (0x81 & 7)
        or byte [TSS_BASE + 0x68 + 0x7F / 8], 1 << (0x7F & 7)
        mov word [TSS_BASE + 0x66], 0x68
        mov eax, TSS_SEL
        mov ecx, (TSS_BASE << 16) | IOMAP_LIMIT
        mov edx, 0x00008900 | ((TSS_BASE >> 16) & 0xFF)
        call set_descriptor
        mov ax, TSS_SEL
        ltr ax
        mov eax, user_io
        call call_ring3
        CHECK_EQ [io_results], -1, "ring 3, IOPL 0: IN from a port whose bit is clear"
        CHECK_EQ [io_results + 4], 13, "  IN from a port whose bit is set: #GP"
        CHECK_EQ [io_results + 8], 0, "  error code 0"
        CHECK_EQ [io_results + 12], 13, "  IN AX from 0x7f (bit set) and 0x80 (clear): #GP"
        CHECK_EQ [io_results + 16], -1, "  IN from port 0xf8 (last byte of the map)"
        CHECK_EQ [io_results + 20], 13, "  IN AX from 0xff (its second bit past the map): #GP"
        CHECK_EQ [io_results + 24], 13, "  IN from port 0x108 (its map byte past the TSS limit): #GP"
        mov eax, user_io_iopl3
        call call_ring3_iopl3
        CHECK_EQ [io_results + 28], -1, "ring 3, IOPL 3: the bitmap is not consulted"
        jmp finish

; init_tss: a 32-bit TSS at EDI that starts task_b.
init_tss:
        push edi
        mov ecx, 0x68 / 4
        xor eax, eax
        rep stosd
        pop edi
        mov dword [edi + 0x20], task_b
        mov dword [edi + 0x24], 2
        mov dword [edi + 0x38], B_STACK
        mov dword [edi + 0x48], DATA_SEL
        mov dword [edi + 0x4C], CODE_SEL
        mov dword [edi + 0x50], DATA_SEL
        mov dword [edi + 0x54], DATA_SEL
        mov dword [edi + 0x58], DATA_SEL
        mov dword [edi + 0x5C], DATA_SEL
        mov word [edi + 0x66], 0x68
        ret

; set_task_gate: ECX = vector, BX = TSS selector, DX = attributes (0x8500).
set_task_gate:
        mov word [IDT_BASE + ecx * 8], 0
        mov [IDT_BASE + ecx * 8 + 2], bx
        mov [IDT_BASE + ecx * 8 + 4], dx
        mov word [IDT_BASE + ecx * 8 + 6], 0
        ret

; The task the switches go to: records what it sees, then goes back as b_mode says. Each switch
; in resumes where it left (its EIP is saved in its TSS), so every way out loops to the top.
task_b:
        pushfd
        pop dword [b_flags]
        movzx ebx, word [TSSB_BASE]
        mov [b_link], ebx
        BUSY_TYPE ebx, TSS_SEL
        mov [b_busy_a], ebx
        BUSY_TYPE ebx, TSSB_SEL
        mov [b_busy_b], ebx
        mov ebx, cr0
        mov [b_cr0], ebx
        mov [b_esp], esp
        mov ebx, [esp]
        mov [b_top], ebx
        cmp dword [b_mode], 1
        je .jump_back
        cmp dword [b_mode], 2
        je .exception
        iretd
        jmp task_b
.jump_back:
        jmp TSS_SEL:0
        jmp task_b
.exception:                             ; resume the faulting task after its fault
        mov ebx, [TSS_BASE + 0x20]
        mov [b_a_eip], ebx
        mov ebx, [b_resume]
        mov [TSS_BASE + 0x20], ebx
        add esp, 4
        iretd
        jmp task_b

; call_ring3 with IOPL 3 in the ring-3 EFLAGS.
call_ring3_iopl3:
        push ebp
        push esi
        push edi
        mov [saved_esp0], esp
        push dword DATA3_SEL
        push dword USER_STACK
        push dword 0x3002
        push dword CODE3_SEL
        push eax
        mov ax, DATA3_SEL
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        iretd

; ---- ring 3 ----
%macro USER_IN 3                ; instruction operands..., result slot
        ARM_FAULT %%after
        in %1, %2
%%after:
        push dword [fault_vector]
        pop dword [io_results + %3]
%endmacro

user_io:
        USER_IN al, 0x80, 0
        ARM_FAULT .denied
        in al, 0x81
.denied:
        push dword [fault_vector]
        pop dword [io_results + 4]
        push dword [fault_error]
        pop dword [io_results + 8]
        USER_IN ax, 0x7F, 12
        mov dx, 0xF8
        USER_IN al, dx, 16
        mov dx, 0xFF
        USER_IN ax, dx, 20
        mov dx, 0x108
        USER_IN al, dx, 24
        int RETURN_VECTOR

user_io_iopl3:
        USER_IN al, 0x81, 28
        int RETURN_VECTOR

title:  db "tasks: task switches (busy, NT, back link, task gates), I/O permission bitmap", 13, 10, 0

%include "lib/reset.inc"
