; debug.asm - DR0-DR7 breakpoints (Intel SDM vol. 3 "Debug Registers"): instruction breakpoints
; (fault class, resumed with RF) in a loop, data write/read breakpoints of each length including
; an unaligned store that overlaps the watched range (trap class), a REP string stopped after the
; matching iteration, single step and a data hit in one #DB, general detect, disabled breakpoints.
        org 0xF0000
%include "lib/pm32.inc"

db_count    equ scratch + 0x00  ; #DBs taken
db_dr6      equ scratch + 0x04  ; DR6 at the last #DB
db_eip      equ scratch + 0x08  ; pushed EIP of the last #DB
db_eflags   equ scratch + 0x0C  ; pushed EFLAGS of the last #DB
db_resume   equ scratch + 0x10  ; non-zero: the handler sets RF in the image
db_ecx      equ scratch + 0x14  ; ECX at the last #DB
db_first_ecx equ scratch + 0x18 ; ECX at the first #DB
watched     equ scratch + 0x40  ; 16 bytes
buffer      equ 0x20000

; DR7 values: Gn enable, R/Wn, LENn for breakpoint n
%define DR7_FIELD(n, rw, len) ((2 << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n)))

main:
        mov esi, title
        call puts
        mov ecx, 1
        mov eax, db_handler
        mov edx, 0x8E00
        call set_gate

        ; Instruction breakpoint on a loop body; the handler resumes with RF.
        call db_reset
        mov dword [db_resume], 1
        mov eax, .target
        mov dr0, eax
        mov eax, DR7_FIELD(0, 0, 0)
        mov dr7, eax
        xor ebx, ebx
        mov ecx, 10
.loop:  inc edx
.target:
        inc ebx
        dec ecx
        jnz .loop
        call db_off
        CHECK_EQ [db_count], 10, "instruction breakpoint: one #DB per pass"
        CHECK_EQ ebx, 10, "RF resume: the instruction ran once per pass"
        CHECK_EQ [db_eip], .target, "instruction breakpoint is a fault: EIP of the instruction"
        mov eax, [db_dr6]
        and eax, 0xF
        CHECK_EQ eax, 1, "DR6.B0 names DR0"
        mov eax, [db_eflags]
        and eax, 0x10000
        CHECK_EQ eax, 0, "instruction-breakpoint #DB pushes RF = 0"

        ; Write breakpoint, 2 bytes: a byte beside it and a read do not fire, an unaligned
        ; dword store overlapping it does, after the store.
        call db_reset
        mov eax, watched + 2
        mov dr1, eax
        mov eax, DR7_FIELD(1, 1, 1)
        mov dr7, eax
        mov eax, 0x11223344
        mov [watched], al
        mov eax, [watched + 2]
        mov [watched + 1], eax
.after_store:
        call db_off
        CHECK_EQ [db_count], 1, "write breakpoint: only the overlapping store fires"
        CHECK_EQ [db_eip], .after_store, "data breakpoint is a trap: EIP after the store"
        mov eax, [db_dr6]
        and eax, 0xF
        CHECK_EQ eax, 2, "DR6.B1 names DR1"

        ; Read/write breakpoint, 4 bytes: a word read of its upper half fires.
        call db_reset
        mov eax, watched + 8
        mov dr2, eax
        mov eax, DR7_FIELD(2, 3, 3)
        mov dr7, eax
        mov ax, [watched + 0x0A]
.after_read:
        call db_off
        CHECK_EQ [db_count], 1, "read/write breakpoint fires on a read"
        CHECK_EQ [db_eip], .after_read, "EIP after the read"
        mov eax, [db_dr6]
        and eax, 0xF
        CHECK_EQ eax, 4, "DR6.B2 names DR2"

        ; Byte write breakpoint hit by the 14th dword store of a loop.
        call db_reset
        mov eax, buffer + 0x36
        mov dr3, eax
        mov eax, DR7_FIELD(3, 1, 0)
        mov dr7, eax
        mov edi, buffer
        mov ecx, 64
.fill:  mov [edi], eax
.fill_next:
        add edi, 4
        dec ecx
        jnz .fill
        call db_off
        CHECK_EQ [db_count], 1, "loop store: one #DB"
        CHECK_EQ [db_eip], .fill_next, "loop store: EIP after the matching store"
        CHECK_EQ [db_ecx], 64 - 13, "loop store: the 14th iteration matched"

        ; REP STOSB: #DB after the iteration that wrote the watched byte, EIP on the REP, RF = 1.
        call db_reset
        mov eax, buffer + 0x105
        mov dr0, eax
        mov eax, DR7_FIELD(0, 1, 0)
        mov dr7, eax
        mov edi, buffer + 0x100
        mov ecx, 16
        mov al, 0x5A
.rep:   rep stosb
        call db_off
        CHECK_EQ [db_count], 1, "REP STOSB: one #DB"
        CHECK_EQ [db_eip], .rep, "REP STOSB: EIP still on the REP"
        CHECK_EQ [db_ecx], 10, "REP STOSB: after the sixth iteration"
        SOFT_CHECKS 1           ; QEMU TCG pushes RF = 0 here
        mov eax, [db_eflags]
        and eax, 0x10000
        CHECK_EQ eax, 0x10000, "REP STOSB: RF pushed between iterations"
        SOFT_CHECKS 0
        CHECK_EQ ecx, 0, "REP STOSB completed after the handler"
        CHECK_EQ [buffer + 0x10C], 0x5A5A5A5A, "REP STOSB stored every byte"

        ; Instruction breakpoint on a REP instruction: one #DB before the first iteration.
        call db_reset
        mov dword [db_resume], 1
        mov eax, .rep2
        mov dr0, eax
        mov eax, DR7_FIELD(0, 0, 0)
        mov dr7, eax
        mov edi, buffer + 0x200
        mov ecx, 16
.rep2:  rep stosb
        call db_off
        SOFT_CHECKS 1           ; QEMU TCG checks the breakpoint again before every iteration
        CHECK_EQ [db_count], 1, "breakpoint on REP: one #DB"
        SOFT_CHECKS 0
        CHECK_EQ [db_first_ecx], 16, "breakpoint on REP: before the first iteration"

        ; Single step and a data breakpoint in the same instruction: one #DB, DR6.BS and B0.
        call db_reset
        mov eax, watched
        mov dr0, eax
        mov eax, DR7_FIELD(0, 1, 3)
        mov dr7, eax
        pushfd
        or dword [esp], 0x100
        popfd
        mov [watched], eax
        nop
        call db_off
        SOFT_CHECKS 1           ; QEMU TCG raises two #DBs
        CHECK_EQ [db_count], 1, "single step and data hit: one #DB"
        mov eax, [db_dr6]
        and eax, 0x400F
        CHECK_EQ eax, 0x4001, "DR6.BS and DR6.B0 together"
        SOFT_CHECKS 0

        ; Disabled breakpoints (R/W and LEN set, no L/G bit) never fire.
        call db_reset
        mov eax, watched
        mov dr0, eax
        mov eax, 0xFFFF0000
        mov dr7, eax
        mov [watched], eax
        call db_off
        CHECK_EQ [db_count], 0, "disabled breakpoints never fire"

        ; General detect: MOV from DR0 with DR7.GD is a fault-class #DB with DR6.BD.
        SOFT_CHECKS 1           ; QEMU TCG does not implement DR7.GD
        call db_reset
        mov eax, 0x2000
        mov dr7, eax
.gd:    mov eax, dr0
        CHECK_EQ [db_count], 1, "general detect: #DB on MOV DRn"
        CHECK_EQ [db_eip], .gd, "general detect is a fault: EIP of the MOV"
        mov eax, [db_dr6]
        and eax, 0x2000
        CHECK_EQ eax, 0x2000, "DR6.BD"
        mov eax, dr7
        and eax, 0x2000
        CHECK_EQ eax, 0, "GD cleared for the handler"
        SOFT_CHECKS 0
        xor eax, eax
        mov dr7, eax
        call finish

db_reset:
        xor eax, eax
        mov [db_count], eax
        mov [db_resume], eax
        mov dword [db_eip], -1
        mov eax, 0xFFFF0FF0
        mov dr6, eax
        ret

db_off:
        push eax
        xor eax, eax
        mov dr7, eax
        pop eax
        ret

; #DB: record DR6, the frame and ECX; drop TF; optionally resume with RF.
db_handler:
        push eax
        cmp dword [db_count], 0
        jne .seen
        mov [db_first_ecx], ecx
.seen:  inc dword [db_count]
        mov eax, dr6
        mov [db_dr6], eax
        mov eax, [esp + 4]
        mov [db_eip], eax
        mov eax, [esp + 12]
        mov [db_eflags], eax
        mov [db_ecx], ecx
        and dword [esp + 12], ~0x100
        cmp dword [db_resume], 0
        je .out
        or dword [esp + 12], 0x10000
.out:   mov eax, 0xFFFF0FF0
        mov dr6, eax
        pop eax
        iretd

title:  db "debug: DR0-DR7 instruction/data breakpoints, RF, REP, BS, GD", 13, 10, 0

%include "lib/reset.inc"
