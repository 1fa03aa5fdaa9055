; exceptions.asm - the protected-mode exceptions: vector, error code and the saved EIP
; (faults point at the instruction, traps after it).
        org 0xF0000
%include "lib/pm32.inc"

bounds      equ scratch + 0x00
saved_gate  equ scratch + 0x08
misaligned  equ scratch + 0x21
NP_SEL      equ FREE_SEL            ; data segment, not present
NP_GATE     equ 0x41

main:
        mov esi, title
        call puts
        call setup_tss

        ; #DE (fault): divide by zero and quotient overflow.
        xor ecx, ecx
        ARM_FAULT .de1
.de1i:  div ecx
.de1:   CHECK_EQ [fault_vector], 0, "#DE: DIV by zero"
        CHECK_EQ [fault_eip], .de1i, "#DE is a fault: EIP of the DIV"
        mov edx, 2
        xor eax, eax
        mov ecx, 1
        ARM_FAULT .de2
        div ecx
.de2:   CHECK_EQ [fault_vector], 0, "#DE: quotient overflow"

        ; #DB: INT 1 and single-step via TF. (ICEBP, F1, gives #UD on QEMU's default CPU.)
        ARM_FAULT .db1
        int 1
.db1:   CHECK_EQ [fault_vector], 1, "#DB vector through INT 1"
        CHECK_EQ [fault_eip], .db1, "INT 1 is a trap: EIP after it"
        pushfd
        or dword [esp], 0x100
        ARM_FAULT .db2
        popfd
        nop
.db2i:  nop
.db2:   CHECK_EQ [fault_vector], 1, "#DB: single step after TF is set"
        CHECK_EQ [fault_eip], .db2i, "single-step trap after the first instruction"
        mov eax, dr6
        and eax, 0x4000
        CHECK_EQ eax, 0x4000, "DR6.BS reports the single step"

        ; #BP, #OF, #BR.
        ARM_FAULT .bp
        int3
.bp:    CHECK_EQ [fault_vector], 3, "#BP: INT3"
        CHECK_EQ [fault_eip], .bp, "INT3 is a trap"
        mov al, 0x7F
        add al, 1
        ARM_FAULT .of
        into
.of:    CHECK_EQ [fault_vector], 4, "#OF: INTO with OF=1"
        CHECK_EQ [fault_eip], .of, "INTO is a trap"
        mov dword [bounds], 0
        mov dword [bounds + 4], 10
        mov eax, 10
        bound eax, [bounds]
        mov eax, 11
        ARM_FAULT .br
.bri:   bound eax, [bounds]
.br:    CHECK_EQ [fault_vector], 5, "#BR: BOUND out of range"
        CHECK_EQ [fault_eip], .bri, "#BR is a fault"

        ; #UD.
        ARM_FAULT .ud1
.ud1i:  ud2
.ud1:   CHECK_EQ [fault_vector], 6, "#UD: UD2"
        CHECK_EQ [fault_eip], .ud1i, "#UD is a fault"
        SOFT_CHECKS 1           ; QEMU TCG executes LOCK MOV without #UD
        ARM_FAULT .ud2
        db 0xF0, 0x89, 0xD8     ; LOCK MOV EAX, EBX
.ud2:   CHECK_EQ [fault_vector], 6, "#UD: LOCK on a non-lockable instruction"
        SOFT_CHECKS 0

        ; #NM: FPU instruction with CR0.TS=1.
        mov eax, cr0
        or eax, 0x22            ; MP, NE
        and eax, ~4             ; EM=0
        or eax, 8               ; TS
        mov cr0, eax
        ARM_FAULT .nm
.nmi:   fld1
.nm:    CHECK_EQ [fault_vector], 7, "#NM: FLD1 with CR0.TS=1"
        CHECK_EQ [fault_eip], .nmi, "#NM is a fault"
        clts

        ; #MF: unmasked zero-divide reported by the next waiting instruction.
        fninit
        fldcw [cw_unmask_zero]
        fld1
        fldz
        fdivp st1, st0
        ARM_FAULT .mf
.mfi:   fwait
.mf:    CHECK_EQ [fault_vector], 16, "#MF: pending unmasked x87 exception at FWAIT"
        CHECK_EQ [fault_eip], .mfi, "#MF points at the waiting instruction"
        fnclex
        fninit

        ; #NP: not-present data segment and not-present IDT gate.
        mov eax, NP_SEL
        mov ecx, 0x0000FFFF
        mov edx, 0x00CF1300     ; data, P=0
        call set_descriptor
        ARM_FAULT .np1
        mov ax, NP_SEL
        mov es, ax
.np1:   CHECK_EQ [fault_vector], 11, "#NP: loading a not-present segment"
        CHECK_EQ [fault_error], NP_SEL, "#NP error code is the selector"
        and dword [IDT_BASE + NP_GATE * 8 + 4], ~0x8000
        ARM_FAULT .np2
        int NP_GATE
.np2:   CHECK_EQ [fault_vector], 11, "#NP: INT through a not-present gate"
        CHECK_EQ [fault_error], NP_GATE * 8 + 2, "error code: IDT index with IDT bit"

        ; #SS: loading a not-present stack segment.
        ARM_FAULT .ss1
        mov ax, NP_SEL
        mov ss, ax
.ss1:   CHECK_EQ [fault_vector], 12, "#SS: MOV SS with a not-present segment"
        CHECK_EQ [fault_error], NP_SEL, "#SS error code is the selector"

        ; #TS: IRET with NT=1 whose back link points into the LDT.
        mov dword [TSS_BASE], 0x001C
        pushfd
        or dword [esp], 0x4000
        popfd
        ARM_FAULT .ts
        iretd
.ts:    pushfd
        and dword [esp], ~0x4000
        popfd
        CHECK_EQ [fault_vector], 10, "#TS: task return to an LDT selector"
        CHECK_EQ [fault_error], 0x001C, "#TS error code is the back-link selector"

        ; #GP: selector errors, IDT limit.
        ARM_FAULT .gp1
        jmp DATA_SEL:0
.gp1:   CHECK_EQ [fault_vector], 13, "#GP: far JMP to a data segment"
        CHECK_EQ [fault_error], DATA_SEL, "#GP error code is the selector"
        ARM_FAULT .gp2
        mov ax, 0x0400
        mov ds, ax
.gp2:   CHECK_EQ [fault_error], 0x0400, "#GP: selector beyond the GDT limit"
        mov word [scratch + 0x40], 32 * 8 - 1
        mov dword [scratch + 0x42], IDT_BASE
        lidt [scratch + 0x40]
        ARM_FAULT .gp3
        int 0x50
.gp3:   CHECK_EQ [fault_vector], 13, "#GP: INT beyond the IDT limit"
        CHECK_EQ [fault_error], 0x50 * 8 + 2, "error code: IDT index with IDT bit"
        mov word [scratch + 0x40], 256 * 8 - 1
        lidt [scratch + 0x40]

        ; #DF: the #GP gate is not present, so delivering #GP raises #NP -> double fault.
        mov eax, [IDT_BASE + 13 * 8 + 4]
        mov [saved_gate], eax
        and dword [IDT_BASE + 13 * 8 + 4], ~0x8000
        ARM_FAULT .df
        mov ax, 0x0400
        mov ds, ax
.df:    mov eax, [saved_gate]
        mov [IDT_BASE + 13 * 8 + 4], eax
        CHECK_EQ [fault_vector], 8, "#DF: #NP while delivering #GP"
        CHECK_EQ [fault_error], 0, "#DF error code 0"

        ; #PF: not-present page under paging (identity-mapped 4 MiB PSE page otherwise).
        mov dword [0x10000], 0x00000083 ; PDE 0: 4 MiB page at 0
        mov edi, 0x10004
        mov ecx, 1023
        xor eax, eax
        rep stosd
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        mov eax, 0x10000
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        ARM_FAULT .pf
.pfi:   mov dword [0x00500000], 1
.pf:    CHECK_EQ [fault_vector], 14, "#PF: write to an unmapped page"
        CHECK_EQ [fault_error], 2, "#PF error code: not present, write, supervisor"
        CHECK_EQ [fault_cr2], 0x00500000, "CR2 is the faulting address"
        CHECK_EQ [fault_eip], .pfi, "#PF is a fault"
        mov eax, cr0
        and eax, ~0x80000000
        mov cr0, eax

        ; #AC: misaligned ring-3 access with CR0.AM and EFLAGS.AC (QEMU TCG ignores it).
        mov eax, cr0
        or eax, 0x40000
        mov cr0, eax
        mov eax, user_misaligned
        call call_ring3
        SOFT_CHECKS 1
        CHECK_EQ ebx, 17, "#AC: misaligned access in ring 3"
        SOFT_CHECKS 0
        call finish

user_misaligned:
        mov ebx, -1
        mov dword [fault_vector], -1
        mov dword [fault_resume], .done
        pushfd
        or dword [esp], 0x40000
        popfd
        mov eax, [misaligned]
.done:  mov ebx, [fault_vector]
        mov dword [fault_resume], 0
        int RETURN_VECTOR

title:          db "exceptions: #DE #DB #BP #OF #BR #UD #NM #MF #NP #SS #TS #GP #DF #PF #AC", 13, 10, 0
cw_unmask_zero: dw 0x037B

%include "lib/reset.inc"
