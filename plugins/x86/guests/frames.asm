; frames.asm - the frame every exception pushes, in every mode (Intel SDM vol. 3A 6.12-6.15,
; 17.3.1.1, 20.2-20.3): real mode, 32-bit protected mode at ring 0, 16-bit protected mode at
; ring 0 (16-bit code through 16-bit gates), ring 3 to ring 0, and virtual-8086 mode to ring 0.
; For each event it checks the vector, whether an error code was pushed (the frame's size) and
; its value, the saved EIP (the instruction for a fault, the next one for a trap), CS and EFLAGS,
; SS:ESP on a privilege change, the V86 data segments and their nulling, CR2 for #PF.
; Soft checks: segment limits in real and V86 mode (QEMU's TCG checks none), #AC (TCG has none), RF in
; the EFLAGS image of a fault (SDM 17.3.1.1: set for every fault but an instruction breakpoint).
        org 0xF0000
%include "lib/pm32.inc"
%include "lib/capture.inc"
%include "lib/modes.inc"

NP0_SEL     equ 0x48            ; flat data, DPL 0, not present
NP3_SEL     equ 0x50            ; flat data, DPL 3, not present
BAD_SEL     equ 0x400           ; beyond the GDT limit

K           equ 0x08D7          ; EFLAGS before each event: OF SF ZF AF PF CF and bit 1
TF          equ 0x100
NT          equ 0x4000
RF          equ 0x10000
VM          equ 0x20000
AC          equ 0x40000
IOPL3       equ 0x3000
NO_ERR      equ -1

PD          equ 0x10000         ; page directory: one 4 MiB user page at 0, nothing above
UNMAPPED    equ 0x400000

cap_vector  equ VARS + 0xF0     ; vector of the last captured event (-1: none)
exp_err     equ scratch + 0x00  ; what the next check_frame expects
exp_eip     equ scratch + 0x04  ; -1: not checked (#DF: CS:EIP undefined)
exp_cs      equ scratch + 0x08
exp_fl      equ scratch + 0x0C
exp_kind    equ scratch + 0x10  ; KIND_*
exp_rf      equ scratch + 0x14
exp_top     equ scratch + 0x18
KIND_SAME   equ 0               ; 32-bit gate, same ring
KIND_RING3  equ 1               ; 32-bit gate from ring 3
KIND_V86    equ 2               ; 32-bit gate from virtual-8086 mode
KIND_16     equ 3               ; 16-bit gate, same ring (word frame)

RMREC       equ 0x3800          ; real-mode records, 16 bytes each: vector, SP, IP, CS, FLAGS
rm_dst      equ 0x37F0
rm_resume   equ 0x37F2
BOUNDS16    equ 0x3900          ; word bounds 0..10
BOUNDS32    equ 0x3910          ; dword bounds 0..10
V86_BOUNDS  equ 0x22220         ; 2222:0000, word bounds 0..10

; ---------------------------------------------------------------- real mode
        bits 16
%macro RM_ARM 3                 ; slot, resume label, FLAGS
        mov word [rm_dst], RMREC + %1 * 16
        mov word [RMREC + %1 * 16], 0xFFFF
        mov word [rm_resume], %2 - $$
        mov sp, 0x1000
        push word %3
        popf
%endmacro

real_start:
        REAL_MODE_QUIET
        mov eax, cr0
        or al, 0x20                 ; NE: x87 errors raise #MF
        and al, ~0x0C               ; EM, TS clear
        mov cr0, eax
        fninit
        xor bx, bx
.ivt:   mov ax, [cs:rm_stub_table - $$ + bx]
        shl bx, 1
        mov [bx], ax
        mov word [bx + 2], 0xF000
        shr bx, 1
        add bx, 2
        cmp bx, 17 * 2
        jb .ivt
        mov dword [BOUNDS16], 0x000A0000

        xor bl, bl
        mov ax, 1
        RM_ARM 0, rm_a0, K
rm_i0:  div bl
rm_a0:
        RM_ARM 1, rm_a1, K | TF
        nop
rm_i1:  nop
rm_a1:
        RM_ARM 2, rm_a2, K
        int3
rm_a2:
        RM_ARM 3, rm_a3, K
        into
rm_a3:
        mov ax, 11
        RM_ARM 4, rm_a4, K
rm_i4:  bound ax, [BOUNDS16]
rm_a4:
        RM_ARM 5, rm_a5, K
rm_i5:  ud2
rm_a5:
        mov eax, cr0
        or al, 8                    ; TS
        mov cr0, eax
        RM_ARM 6, rm_a6, K
rm_i6:  fld1
rm_a6:  clts
        fninit
        fldcw [cs:cw_zm - $$]
        fld1
        fldz
        fdivp st1, st0              ; 1/0 with ZE unmasked: pending until the next waiting instruction
        RM_ARM 7, rm_a7, K
rm_i7:  fwait
rm_a7:  fninit
        RM_ARM 8, rm_a8, K
        mov ax, 0x2000
        mov ds, ax
rm_i8:  mov ax, [0xFFFF]            ; the word's second byte is past the 64 KiB limit
rm_a8:  xor ax, ax
        mov ds, ax
        RM_ARM 9, rm_a9, K
        mov bp, 0xFFFF
rm_i9:  mov ax, [bp]                ; SS-relative, past the limit: #SS
rm_a9:  jmp start

rm_stub_table:
%assign v 0
%rep 17
        dw rm_stub %+ v - $$
%assign v v + 1
%endrep
%assign v 0
%rep 17
rm_stub %+ v:
        push word v
        jmp rm_common
%assign v v + 1
%endrep

; [bp + 2] vector, [bp + 4] IP, [bp + 6] CS, [bp + 8] FLAGS. ES is 0 throughout.
rm_common:
        push bp
        mov bp, sp
        mov di, [es:rm_dst]
        mov ax, [bp + 2]
        mov [es:di], ax
        lea ax, [bp + 4]
        mov [es:di + 2], ax
        mov ax, [bp + 4]
        mov [es:di + 4], ax
        mov ax, [bp + 6]
        mov [es:di + 6], ax
        mov ax, [bp + 8]
        mov [es:di + 8], ax
        mov sp, 0x1000
        jmp word [es:rm_resume]

cw_zm:  dw 0x037B                   ; FNINIT's control word with ZE unmasked

; ---------------------------------------------------------------- protected mode
        bits 32
main:
        mov esi, title
        call puts
        call setup_tss
        LOW_CODE_SEGMENTS
        DESC NP0_SEL,    0x00CF1300, 0x0000FFFF
        DESC NP3_SEL,    0x00CF7300, 0x0000FFFF
        mov edi, PD
        mov ecx, 1024
        xor eax, eax
        rep stosd
        mov dword [PD], 0x00000087  ; 4 MiB, present, writable, user
        mov eax, cr4
        or eax, 0x10                ; PSE
        mov cr4, eax
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000020          ; PG, NE
        mov cr0, eax
        mov dword [BOUNDS32], 0
        mov dword [BOUNDS32 + 4], 10
        mov dword [V86_BOUNDS], 0x000A0000
        mov dword [TSS_BASE], DATA_SEL  ; back link: not a TSS, so IRET with NT raises #TS(0x10)
        call real_mode
        call gates32
        call ring0_32
        call gates16
        call ring0_16
        call gates32
        call ring3
        call v86
        jmp finish

; Every vector 0..17 to vstubN (which notes the vector and goes to capture), DPL 3 so that
; INT3/INTO from ring 3 and V86 reach them.
gates32:
        xor ecx, ecx
.next:  mov eax, [vstub_table + ecx * 4]
        mov edx, 0xEE00
        mov bx, CODE_SEL
        call set_gate_sel
        inc ecx
        cmp ecx, 18
        jb .next
        ret

gates16:
        xor ecx, ecx
.next:  mov eax, [vstub_table + ecx * 4]
        sub eax, ROM_BASE
        mov edx, 0xE600
        mov bx, CODELO_SEL
        call set_gate_sel
        inc ecx
        cmp ecx, 18
        jb .next
        ret

vstub_table:
%assign v 0
%rep 18
        dd vstub %+ v
%assign v v + 1
%endrep
%assign v 0
%rep 18
vstub %+ v:
        mov edi, v
        jmp vcapture
%assign v v + 1
%endrep
vcapture:
        mov bp, ds
        mov ax, DATA_SEL
        mov ds, ax
        mov [cap_vector], edi
        mov ds, bp
        jmp capture

; ARM label: the next event is captured and continues at label.
%macro ARM 1
        ARM_CAPTURE %1
        mov dword [cap_vector], -1
%endmacro

; EXPECT vector, error code (NO_ERR: none), EIP (-1: not checked), CS, EFLAGS image without RF,
; RF expected in the image (RF for a fault, 0 for a trap), kind, "text"
%macro EXPECT 8
        mov dword [exp_err], %2
        mov dword [exp_eip], %3
        mov dword [exp_cs], %4
        mov dword [exp_fl], %5
        mov dword [exp_rf], %6
        mov dword [exp_kind], %7
        CHECK_EQ [cap_vector], %1, %8
        call check_frame
%endmacro

; check_frame: the captured frame against exp_*.
check_frame:
        mov eax, [exp_kind]
        mov ebx, [resume_esp]
        sub ebx, 12                             ; KIND_SAME: EFLAGS, CS, EIP
        cmp eax, KIND_RING3
        jne .k2
        mov ebx, RING0_STACK - 20               ; + ESP, SS
.k2:    cmp eax, KIND_V86
        jne .k3
        mov ebx, RING0_STACK - 36               ; + ES, DS, FS, GS
.k3:    mov edx, 4
        cmp eax, KIND_16
        jne .err
        mov ebx, [resume_esp]
        sub ebx, 8 + 6                          ; the far CALL, then FLAGS, CS, IP as words
        mov edx, 2
.err:   cmp dword [exp_err], NO_ERR
        je .top
        sub ebx, edx
.top:   mov [exp_top], ebx
        CHECK_EQ [cap_esp], [exp_top], "    frame size: an error code pushed exactly when the vector has one"
        xor ecx, ecx
        cmp dword [exp_err], NO_ERR
        je .eip
        call field
        CHECK_EQ eax, [exp_err], "    error code"
        inc ecx
.eip:   cmp dword [exp_eip], -1
        je .done
        call field
        CHECK_EQ eax, [exp_eip], "    saved EIP: the instruction (fault) or the next one (trap)"
        inc ecx
        call field
        CHECK_EQ eax, [exp_cs], "    saved CS"
        inc ecx
        call field
        mov ebx, eax
        and eax, ~RF
        CHECK_EQ eax, [exp_fl], "    saved EFLAGS"
        cmp dword [exp_kind], KIND_16
        je .done
        and ebx, RF
        push dword [soft_checks]
        SOFT_CHECKS 1
        CHECK_EQ ebx, [exp_rf], "    RF in the saved EFLAGS: set for a fault, clear for a trap"
        pop dword [soft_checks]
        cmp dword [exp_kind], KIND_SAME
        je .done
        inc ecx
        call field
        CHECK_EQ eax, [exp_esp_v], "    saved ESP of the interrupted code"
        inc ecx
        call field
        CHECK_EQ eax, [exp_ss_v], "    saved SS"
        CHECK_EQ [cap_ss], DATA_SEL, "    handler stack: TSS.SS0"
        cmp dword [exp_kind], KIND_V86
        jne .done
        inc ecx
        call field
        CHECK_EQ eax, 0x1111, "    saved ES"
        inc ecx
        call field
        CHECK_EQ eax, 0x2222, "    saved DS"
        inc ecx
        call field
        CHECK_EQ eax, 0x3333, "    saved FS"
        inc ecx
        call field
        CHECK_EQ eax, 0x4444, "    saved GS"
        CAP_DATA_SEGMENTS
        CHECK_EQ eax, 0, "    the handler starts with DS, ES, FS, GS null"
.done:  ret

exp_esp_v   equ scratch + 0x1C
exp_ss_v    equ scratch + 0x20

; field: ECX = index into the frame -> EAX (a word for a 16-bit gate, else a dword).
field:
        cmp dword [exp_kind], KIND_16
        je .word
        mov eax, [cap_frame + ecx * 4]
        ret
.word:  movzx eax, word [cap_frame + ecx * 2]
        ret

; ---- real mode, recorded before protected mode ----
; RM_CHECK slot, vector, IP, FLAGS, "text"
%macro RM_CHECK 5
        movzx eax, word [RMREC + %1 * 16]
        CHECK_EQ eax, %2, %5
        movzx eax, word [RMREC + %1 * 16 + 2]
        CHECK_EQ eax, 0x1000 - 6, "    3 words pushed, no error code"
        movzx eax, word [RMREC + %1 * 16 + 4]
        CHECK_EQ eax, %3, "    saved IP: the instruction (fault) or the next one (trap)"
        movzx eax, word [RMREC + %1 * 16 + 6]
        CHECK_EQ eax, 0xF000, "    saved CS"
        movzx eax, word [RMREC + %1 * 16 + 8]
        CHECK_EQ eax, %4, "    saved FLAGS"
%endmacro

real_mode:
        mov esi, msg_real
        call puts
        RM_CHECK 0, 0, rm_i0 - $$, K, "real mode #DE (DIV by 0): fault"
        RM_CHECK 1, 1, rm_i1 - $$, K | TF, "real mode #DB (TF): trap after the instruction"
        RM_CHECK 2, 3, rm_a2 - $$, K, "real mode #BP (INT3): trap"
        RM_CHECK 3, 4, rm_a3 - $$, K, "real mode #OF (INTO): trap"
        RM_CHECK 4, 5, rm_i4 - $$, K, "real mode #BR (BOUND): fault"
        RM_CHECK 5, 6, rm_i5 - $$, K, "real mode #UD (UD2): fault"
        RM_CHECK 6, 7, rm_i6 - $$, K, "real mode #NM (FLD1 with CR0.TS): fault"
        RM_CHECK 7, 16, rm_i7 - $$, K, "real mode #MF (FWAIT, ZE pending, CR0.NE): fault"
        SOFT_CHECKS 1
        RM_CHECK 8, 13, rm_i8 - $$, K, "real mode #GP (word at DS:0xFFFF): fault"
        RM_CHECK 9, 12, rm_i9 - $$, K, "real mode #SS (word at SS:0xFFFF): fault"
        SOFT_CHECKS 0
        ret

; ---- 32-bit code at ring 0 ----
ring0_32:
        mov esi, msg_r0
        call puts
        xor ecx, ecx
        mov eax, 1
        ARM .de
        push dword K
        popfd
.de_i:  div ecx
.de:    EXPECT 0, NO_ERR, .de_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #DE"

        ARM .db
        push dword K | TF
        popfd
        nop
.db_i:  nop
.db:    EXPECT 1, NO_ERR, .db_i, CODE_SEL, K | TF, 0, KIND_SAME, "ring 0 #DB (TF)"

        ARM .bp
        push dword K
        popfd
        int3
.bp:    EXPECT 3, NO_ERR, .bp, CODE_SEL, K, 0, KIND_SAME, "ring 0 #BP"

        ARM .of
        push dword K
        popfd
        into
.of:    EXPECT 4, NO_ERR, .of, CODE_SEL, K, 0, KIND_SAME, "ring 0 #OF"

        mov eax, 11
        ARM .br
        push dword K
        popfd
.br_i:  bound eax, [BOUNDS32]
.br:    EXPECT 5, NO_ERR, .br_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #BR"

        ARM .ud
        push dword K
        popfd
.ud_i:  ud2
.ud:    EXPECT 6, NO_ERR, .ud_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #UD"

        mov eax, cr0
        or al, 8
        mov cr0, eax
        ARM .nm
        push dword K
        popfd
.nm_i:  fld1
.nm:    clts
        EXPECT 7, NO_ERR, .nm_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #NM"

        ; #DF: #GP (a selector past the GDT limit) through a not-present gate 13 raises #NP,
        ; a second contributory exception.
        and byte [IDT_BASE + 13 * 8 + 5], 0x7F
        mov eax, BAD_SEL
        ARM .df
        push dword K
        popfd
        mov ds, ax
.df:    or byte [IDT_BASE + 13 * 8 + 5], 0x80
        EXPECT 8, 0, -1, 0, 0, 0, KIND_SAME, "ring 0 #DF (#NP while delivering #GP): error code 0"

        ARM .ts
        push dword K | NT
        popfd
.ts_i:  iretd
.ts:    EXPECT 10, DATA_SEL, .ts_i, CODE_SEL, K | NT, RF, KIND_SAME, "ring 0 #TS (IRET with NT, back link not a TSS)"

        mov eax, NP0_SEL
        ARM .np
        push dword K
        popfd
.np_i:  mov ds, ax
.np:    EXPECT 11, NP0_SEL, .np_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #NP (MOV DS, not present)"

        mov eax, NP0_SEL
        ARM .ss
        push dword K
        popfd
.ss_i:  mov ss, ax
.ss:    EXPECT 12, NP0_SEL, .ss_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #SS (MOV SS, not present)"

        mov eax, BAD_SEL
        ARM .gp
        push dword K
        popfd
.gp_i:  mov ds, ax
.gp:    EXPECT 13, BAD_SEL, .gp_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #GP (selector past the GDT limit)"

        ARM .pf
        push dword K
        popfd
.pf_i:  mov eax, [UNMAPPED]
.pf:    EXPECT 14, 0, .pf_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #PF (read, not present)"
        mov eax, cr2
        CHECK_EQ eax, UNMAPPED, "    CR2"
        ARM .pfw
        push dword K
        popfd
.pfw_i: mov [UNMAPPED + 8], eax
.pfw:   EXPECT 14, 2, .pfw_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #PF (write, not present)"

        call pending_x87
        ARM .mf
        push dword K
        popfd
.mf_i:  fwait
.mf:    fninit
        EXPECT 16, NO_ERR, .mf_i, CODE_SEL, K, RF, KIND_SAME, "ring 0 #MF"
        ret

; pending_x87: a ZE from 1/0 with ZE unmasked, pending until the next waiting instruction.
pending_x87:
        fninit
        fldcw [cw_zm]
        fld1
        fldz
        fdivp st1, st0
        ret

; ---- 16-bit code at ring 0, 16-bit gates ----
; R16 label: runs the 16-bit code at label (CODE16_SEL) with EFLAGS = K | extra.
%macro R16 2
        push dword K | %2
        popfd
        call CODE16_SEL:(%1 - $$)
%endmacro

ring0_16:
        mov esi, msg_r16
        call puts
        xor ecx, ecx
        mov eax, 1
        ARM .de
        R16 c16_de, 0
.de:    EXPECT 0, NO_ERR, c16_de - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #DE"
        ARM .db
        R16 c16_nop, TF                 ; the far CALL itself is the instruction stepped
.db:    EXPECT 1, NO_ERR, c16_nop - $$, CODE16_SEL, K | TF, 0, KIND_16, "16-bit ring 0 #DB (TF)"
        ARM .bp
        R16 c16_bp, 0
.bp:    EXPECT 3, NO_ERR, c16_bp.a - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #BP"
        ARM .of
        R16 c16_of, 0
.of:    EXPECT 4, NO_ERR, c16_of.a - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #OF"
        mov eax, 11
        ARM .br
        R16 c16_br, 0
.br:    EXPECT 5, NO_ERR, c16_br - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #BR"
        ARM .ud
        R16 c16_ud, 0
.ud:    EXPECT 6, NO_ERR, c16_ud - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #UD"
        mov eax, cr0
        or al, 8
        mov cr0, eax
        ARM .nm
        R16 c16_nm, 0
.nm:    clts
        EXPECT 7, NO_ERR, c16_nm - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #NM"
        ARM .ts
        R16 c16_ts, NT
.ts:    EXPECT 10, DATA_SEL, c16_ts - $$, CODE16_SEL, K | NT, 0, KIND_16, "16-bit ring 0 #TS (IRET with NT)"
        mov eax, NP0_SEL
        ARM .np
        R16 c16_movds, 0
.np:    EXPECT 11, NP0_SEL, c16_movds - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #NP"
        mov eax, NP0_SEL
        ARM .ss
        R16 c16_movss, 0
.ss:    EXPECT 12, NP0_SEL, c16_movss - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #SS"
        mov eax, BAD_SEL
        ARM .gp
        R16 c16_movds, 0
.gp:    EXPECT 13, BAD_SEL, c16_movds - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #GP"
        ARM .pf
        R16 c16_pf, 0
.pf:    EXPECT 14, 0, c16_pf - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #PF"
        mov eax, cr2
        CHECK_EQ eax, UNMAPPED, "    CR2"
        call pending_x87
        ARM .mf
        R16 c16_mf, 0
.mf:    fninit
        EXPECT 16, NO_ERR, c16_mf - $$, CODE16_SEL, K, 0, KIND_16, "16-bit ring 0 #MF"
        ret

        bits 16
c16_de:     div cl
c16_nop:    nop
c16_bp:     int3
.a:         nop
c16_of:     into
.a:         nop
c16_br:     bound ax, [BOUNDS16]
c16_ud:     ud2
c16_nm:     fld1
c16_ts:     iret
c16_movds:  mov ds, ax
c16_movss:  mov ss, ax
c16_pf:     mov ax, [dword UNMAPPED]
c16_mf:     fwait
        bits 32

; ---- ring 3 to ring 0 ----
; R3 label, EFLAGS: IRETD to ring 3 at label with ESP = USER_STACK and DS = ES = DATA3_SEL.
%macro R3 2
        mov dword [exp_esp_v], USER_STACK
        mov dword [exp_ss_v], DATA3_SEL
        push dword DATA3_SEL
        push dword USER_STACK
        push dword %2
        push dword CODE3_SEL
        push dword %1
        push dword DATA3_SEL
        pop ds
        push dword DATA3_SEL
        pop es
        iretd
%endmacro

ring3:
        mov esi, msg_r3
        call puts
        xor ecx, ecx
        mov eax, 1
        ARM .de
        R3 u_de, K
.de:    EXPECT 0, NO_ERR, u_de, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #DE"
        ARM .db
        R3 u_nop, K | TF
.db:    EXPECT 1, NO_ERR, u_nop.a, CODE3_SEL, K | TF, 0, KIND_RING3, "ring 3 #DB (TF)"
        ARM .bp
        R3 u_bp, K
.bp:    EXPECT 3, NO_ERR, u_bp.a, CODE3_SEL, K, 0, KIND_RING3, "ring 3 #BP"
        ARM .of
        R3 u_of, K
.of:    EXPECT 4, NO_ERR, u_of.a, CODE3_SEL, K, 0, KIND_RING3, "ring 3 #OF"
        mov eax, 11
        ARM .br
        R3 u_br, K
.br:    EXPECT 5, NO_ERR, u_br, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #BR"
        ARM .ud
        R3 u_ud, K
.ud:    EXPECT 6, NO_ERR, u_ud, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #UD"
        mov eax, cr0
        or al, 8
        mov cr0, eax
        ARM .nm
        R3 u_nm, K
.nm:    clts
        EXPECT 7, NO_ERR, u_nm, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #NM"
        ARM .ts
        R3 u_ts, K | NT
.ts:    EXPECT 10, DATA_SEL, u_ts, CODE3_SEL, K | NT, RF, KIND_RING3, "ring 3 #TS (IRET with NT)"
        mov eax, NP3_SEL | 3
        ARM .np
        R3 u_movds, K
.np:    EXPECT 11, NP3_SEL, u_movds, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #NP (MOV DS, not present)"
        mov eax, NP3_SEL | 3
        ARM .ss
        R3 u_movss, K
.ss:    EXPECT 12, NP3_SEL, u_movss, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #SS (MOV SS, not present)"
        ARM .gp
        R3 u_cli, K
.gp:    EXPECT 13, 0, u_cli, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #GP (CLI at IOPL 0)"
        ARM .pf
        R3 u_pf, K
.pf:    EXPECT 14, 4, u_pf, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #PF (read, not present)"
        mov eax, cr2
        CHECK_EQ eax, UNMAPPED, "    CR2"
        ARM .pfw
        R3 u_pfw, K
.pfw:   EXPECT 14, 6, u_pfw, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #PF (write, not present)"
        call pending_x87
        ARM .mf
        R3 u_mf, K
.mf:    fninit
        EXPECT 16, NO_ERR, u_mf, CODE3_SEL, K, RF, KIND_RING3, "ring 3 #MF"
        mov eax, cr0
        or eax, 0x40000                 ; AM
        mov cr0, eax
        ARM .ac
        R3 u_ac, K | AC
.ac:    mov eax, cr0
        and eax, ~0x40000
        mov cr0, eax
        SOFT_CHECKS 1
        EXPECT 17, 0, u_ac, CODE3_SEL, K | AC, RF, KIND_RING3, "ring 3 #AC (misaligned dword, CR0.AM, EFLAGS.AC)"
        SOFT_CHECKS 0
        ret

u_de:   div ecx
u_nop:  nop
.a:     nop
u_bp:   int3
.a:     nop
u_of:   into
.a:     nop
u_br:   bound eax, [BOUNDS32]
u_ud:   ud2
u_nm:   fld1
u_ts:   iretd
u_movds: mov ds, ax
u_movss: mov ss, ax
u_cli:  cli
u_pf:   mov eax, [UNMAPPED]
u_pfw:  mov [UNMAPPED], eax
u_mf:   fwait
u_ac:   mov eax, [BOUNDS32 + 1]
        ud2                             ; without #AC (QEMU): an event all the same

; ---- virtual-8086 mode to ring 0 ----
; V86 label, EFLAGS: V86_IRET to label, expecting the frame's SS:ESP to be the task's.
%macro V86 2
        mov dword [exp_esp_v], V86_SP
        mov dword [exp_ss_v], V86_SS
        V86_IRET %1, %2
%endmacro

V86K        equ K | VM | IOPL3

v86:
        mov esi, msg_v86
        call puts
        mov dword [IDT_BASE + 0x41 * 8], CODE_SEL << 16     ; gate 0x41: DPL 3, not present
        mov dword [IDT_BASE + 0x41 * 8 + 4], 0x00006E00
        xor ecx, ecx
        mov eax, 1
        ARM .de
        V86 v_de, V86K
.de:    EXPECT 0, NO_ERR, v_de - $$, 0xF000, V86K, RF, KIND_V86, "V86 #DE"
        ARM .db
        V86 v_nop, V86K | TF
.db:    EXPECT 1, NO_ERR, v_nop.a - $$, 0xF000, V86K | TF, 0, KIND_V86, "V86 #DB (TF)"
        ARM .bp
        V86 v_bp, V86K
.bp:    EXPECT 3, NO_ERR, v_bp.a - $$, 0xF000, V86K, 0, KIND_V86, "V86 #BP"
        ARM .of
        V86 v_of, V86K
.of:    EXPECT 4, NO_ERR, v_of.a - $$, 0xF000, V86K, 0, KIND_V86, "V86 #OF"
        mov eax, 11
        ARM .br
        V86 v_br, V86K
.br:    EXPECT 5, NO_ERR, v_br - $$, 0xF000, V86K, RF, KIND_V86, "V86 #BR"
        ARM .ud
        V86 v_ud, V86K
.ud:    EXPECT 6, NO_ERR, v_ud - $$, 0xF000, V86K, RF, KIND_V86, "V86 #UD"
        mov eax, cr0
        or al, 8
        mov cr0, eax
        ARM .nm
        V86 v_nm, V86K
.nm:    clts
        EXPECT 7, NO_ERR, v_nm - $$, 0xF000, V86K, RF, KIND_V86, "V86 #NM"
        ARM .np
        V86 v_int41, V86K
.np:    EXPECT 11, 0x41 * 8 + 2, v_int41 - $$, 0xF000, V86K, RF, KIND_V86, "V86 #NP (INT 0x41, gate not present)"
        ARM .gp
        V86 v_hlt, V86K
.gp:    EXPECT 13, 0, v_hlt - $$, 0xF000, V86K, RF, KIND_V86, "V86 #GP (HLT)"
        SOFT_CHECKS 1
        ARM .gpl
        V86 v_gplim, V86K
.gpl:   EXPECT 13, 0, v_gplim - $$, 0xF000, V86K, RF, KIND_V86, "V86 #GP(0) (word at DS:0xFFFF, past the limit)"
        mov ebp, 0xFFFF
        ARM .ssl
        V86 v_sslim, V86K
.ssl:   EXPECT 12, 0, v_sslim - $$, 0xF000, V86K, RF, KIND_V86, "V86 #SS(0) (word at SS:0xFFFF, past the limit)"
        SOFT_CHECKS 0
        call pending_x87
        ARM .mf
        V86 v_mf, V86K
.mf:    fninit
        EXPECT 16, NO_ERR, v_mf - $$, 0xF000, V86K, RF, KIND_V86, "V86 #MF"
        ret

        bits 16
v_de:   div cl
v_nop:  nop
.a:     nop
v_bp:   int3
.a:     nop
v_of:   into
.a:     nop
v_br:   bound ax, [0]
v_ud:   ud2
v_nm:   fld1
v_int41: int 0x41
v_hlt:  hlt
v_gplim: mov ax, [0xFFFF]
        hlt                             ; without the limit check (QEMU): an event all the same
v_sslim: mov ax, [bp]
        hlt
v_mf:   fwait
        bits 32

title:    db "frames: the frame of every exception in real, 16/32-bit protected, ring 3 and V86 mode", 13, 10, 0
msg_real: db "real mode (3-word frames)", 13, 10, 0
msg_r0:   db "32-bit code at ring 0, 32-bit gates", 13, 10, 0
msg_r16:  db "16-bit code at ring 0, 16-bit gates (word frames)", 13, 10, 0
msg_r3:   db "ring 3 to ring 0, 32-bit gates (SS:ESP pushed)", 13, 10, 0
msg_v86:  db "virtual-8086 mode to ring 0, 32-bit gates (ES DS FS GS pushed)", 13, 10, 0

; Reset vector: real-mode events first, then pm32.inc's start.
%define RESET_ENTRY real_start
%include "lib/reset.inc"
