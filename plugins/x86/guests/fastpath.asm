; fastpath.asm - the P6-era instructions a 686 kernel's fast paths use (Intel SDM vol. 2 and
; vol. 3A 5.8.7, 20.3-20.4): CPUID's SEP/FXSR/VME/RDTSCP bits, SYSEXIT to ring 3 and SYSENTER
; back with the flat segments derived from IA32_SYSENTER_CS and its #GP(0), FXSAVE's image and
; FXRSTOR's round trip with the alignment #GP and #NM, RDTSCP with IA32_TSC_AUX, and a
; virtual-8086 task under CR4.VME at IOPL 0: CLI/STI/PUSHF on VIF, INT n through the task's own
; vector table and back by IRET, and INT n with its redirection bit set trapping to the monitor.
; QEMU: run with -cpu pentium2,+rdtscp (its default CPU has no RDTSCP: #UD). Soft checks: the
; VME part and CPUID's VME bit (QEMU 7.2 TCG does not advertise or implement VME), SYSENTER with
; IA32_SYSENTER_CS = 3, and FOP/FIP in the FXSAVE image.
        org 0xF0000
%include "lib/pm32.inc"

MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176
MSR_TSC_AUX      equ 0xC0000103
SYSENTER_STACK   equ 0x7A000
AREA             equ 0x20000        ; 512-byte FXSAVE areas, 16-byte aligned
AREA2            equ 0x20200
V86_SS           equ 0x7000         ; V86 stack at linear 0x71000
V86_SP           equ 0x1000
TSS_IO_BASE      equ 0x88           ; redirection bitmap at 0x68..0x87

sx_esp      equ scratch + 0x00
sx_cs       equ scratch + 0x04
sx_ss       equ scratch + 0x08
sx_eflags   equ scratch + 0x0C
sx_user_esp equ scratch + 0x10
sx_user_cs  equ scratch + 0x14
sx_user_ss  equ scratch + 0x18
v86_regs    equ scratch + 0x20      ; EAX, EBX, ECX, EDX of the V86 task at its exit
v86_frame   equ scratch + 0x30      ; error, EIP, CS, EFLAGS, ESP, SS of the #GP frame

%macro WRMSR_IMM 2
        mov ecx, %1
        mov eax, %2
        xor edx, edx
        wrmsr
%endmacro

main:
        mov esi, title
        call puts
        ; No interrupt may reach the CPU: nothing here programs the PICs or the PIT.
        mov al, 0xFF
        out 0x21, al
        out 0xA1, al
        call setup_tss

        ; ---- CPUID ----
        mov eax, 1
        cpuid
        mov ebx, edx
        and ebx, 1 << 11
        CHECK_EQ ebx, 1 << 11, "CPUID.1:EDX.SEP"
        mov ebx, edx
        and ebx, 1 << 24
        CHECK_EQ ebx, 1 << 24, "CPUID.1:EDX.FXSR"
        SOFT_CHECKS 1
        mov ebx, edx
        and ebx, 1 << 1
        CHECK_EQ ebx, 1 << 1, "CPUID.1:EDX.VME"
        SOFT_CHECKS 0
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000001
        CHECK ae, "CPUID 0x80000000 reaches leaf 0x80000001"
        mov eax, 0x80000001
        cpuid
        and edx, 1 << 27
        CHECK_EQ edx, 1 << 27, "CPUID 0x80000001:EDX.RDTSCP"

        ; ---- SYSEXIT to ring 3, SYSENTER back ----
        WRMSR_IMM MSR_SYSENTER_CS, CODE_SEL
        WRMSR_IMM MSR_SYSENTER_ESP, SYSENTER_STACK
        WRMSR_IMM MSR_SYSENTER_EIP, .kernel
        mov ecx, MSR_SYSENTER_EIP
        rdmsr
        CHECK_EQ eax, .kernel, "RDMSR reads IA32_SYSENTER_EIP back"
        mov [saved_esp0], esp
        sti                                 ; SYSENTER must clear it
        mov ecx, USER_STACK
        mov edx, .user
        sysexit
.user:  mov [sx_user_esp], esp              ; ring 3 (DS keeps its ring-0 descriptor)
        mov [sx_user_cs], cs
        mov [sx_user_ss], ss
        sysenter
.kernel:
        mov [sx_esp], esp
        mov [sx_cs], cs
        mov [sx_ss], ss
        pushfd
        pop dword [sx_eflags]
        mov esp, [saved_esp0]
        movzx eax, word [sx_user_cs]
        CHECK_EQ eax, CODE3_SEL, "SYSEXIT: CS = IA32_SYSENTER_CS + 16, RPL 3"
        movzx eax, word [sx_user_ss]
        CHECK_EQ eax, DATA3_SEL, "SYSEXIT: SS = IA32_SYSENTER_CS + 24, RPL 3"
        CHECK_EQ [sx_user_esp], USER_STACK, "SYSEXIT: ESP = ECX"
        movzx eax, word [sx_cs]
        CHECK_EQ eax, CODE_SEL, "SYSENTER: CS = IA32_SYSENTER_CS"
        movzx eax, word [sx_ss]
        CHECK_EQ eax, DATA_SEL, "SYSENTER: SS = IA32_SYSENTER_CS + 8"
        CHECK_EQ [sx_esp], SYSENTER_STACK, "SYSENTER: ESP = IA32_SYSENTER_ESP"
        mov eax, [sx_eflags]
        and eax, 0x200
        CHECK_EQ eax, 0, "SYSENTER clears IF"
        mov ax, DATA_SEL
        mov ss, ax
        ; A null IA32_SYSENTER_CS makes both #GP(0): 0, and 3 (the SDM tests bits 15:2 only; if
        ; SYSENTER goes ahead, it lands at .entered with a null CS, and comes back here).
        WRMSR_IMM MSR_SYSENTER_CS, 0
        ARM_FAULT .gp1
        sysenter
.gp1:   CHECK_EQ [fault_vector], 13, "SYSENTER with IA32_SYSENTER_CS = 0: #GP"
        CHECK_EQ [fault_error], 0, "  error code 0"
        ARM_FAULT .gp2
        sysexit
.gp2:   CHECK_EQ [fault_vector], 13, "SYSEXIT with IA32_SYSENTER_CS = 0: #GP"
        WRMSR_IMM MSR_SYSENTER_CS, 3
        WRMSR_IMM MSR_SYSENTER_EIP, .entered
        mov [saved_esp0], esp
        ARM_FAULT .gp3
        sysenter
.entered:
        jmp CODE_SEL:.reload
.reload:
        mov ax, DATA_SEL
        mov ss, ax
        mov esp, [saved_esp0]
.gp3:   SOFT_CHECKS 1
        CHECK_EQ [fault_vector], 13, "SYSENTER with IA32_SYSENTER_CS = 3 (null selector, RPL 3): #GP"
        SOFT_CHECKS 0

        ; ---- FXSAVE / FXRSTOR ----
        fninit
        fld1
.fldpi: fldpi
        fxsave [AREA]
        movzx eax, word [AREA]
        CHECK_EQ eax, 0x037F, "FXSAVE: FCW"
        movzx eax, word [AREA + 2]
        CHECK_EQ eax, 0x3000, "FXSAVE: FSW with TOP = 6"
        movzx eax, byte [AREA + 4]
        CHECK_EQ eax, 0xC0, "FXSAVE: abridged tag, physical registers 6 and 7 valid"
        CHECK_EQ [AREA + 32], 0x2168C235, "FXSAVE: ST0 = pi, significand low"
        CHECK_EQ [AREA + 36], 0xC90FDAA2, "FXSAVE: ST0 significand high"
        movzx eax, word [AREA + 40]
        CHECK_EQ eax, 0x4000, "FXSAVE: ST0 exponent"
        CHECK_EQ [AREA + 52], 0x80000000, "FXSAVE: ST1 = 1.0 in the next 16-byte slot"
        SOFT_CHECKS 1
        movzx eax, word [AREA + 6]
        CHECK_EQ eax, 0x1EB, "FXSAVE: FOP of FLDPI"
        CHECK_EQ [AREA + 8], .fldpi, "FXSAVE: FIP of FLDPI"
        SOFT_CHECKS 0
        fninit
        fxrstor [AREA]
        fxsave [AREA2]
        mov esi, AREA
        mov edi, AREA2
        mov ecx, 6
        repe cmpsd
        CHECK e, "FXRSTOR after FNINIT: control, status, tag, FOP, FIP, FDP restored"
        mov esi, AREA + 32
        mov edi, AREA2 + 32
        mov ecx, 32
        repe cmpsd
        CHECK e, "FXRSTOR after FNINIT: ST0-ST7 restored"
        ARM_FAULT .misaligned
        fxsave [AREA + 8]
.misaligned:
        CHECK_EQ [fault_vector], 13, "FXSAVE to a misaligned area: #GP"
        CHECK_EQ [fault_error], 0, "  error code 0"
        mov eax, cr0
        or eax, 8
        mov cr0, eax
        ARM_FAULT .nm
        fxrstor [AREA]
.nm:    clts
        CHECK_EQ [fault_vector], 7, "FXRSTOR with CR0.TS: #NM"

        ; ---- RDTSCP ----
        WRMSR_IMM MSR_TSC_AUX, 0x1234
        rdtsc
        mov esi, eax
        mov edi, edx
        rdtscp
        CHECK_EQ ecx, 0x1234, "RDTSCP: ECX = IA32_TSC_AUX"
        sub eax, esi
        sbb edx, edi
        CHECK ns, "RDTSCP: not behind the RDTSC before it"

        ; ---- virtual-8086 mode with VME ----
        mov dword [0x42 * 4], (v86_int42 - $$) | (0xF000 << 16)
        mov edi, TSS_BASE + 0x68
        mov ecx, 40 / 4
        xor eax, eax
        rep stosd                           ; redirection bitmap all clear, I/O map byte 0
        mov byte [TSS_BASE + 0x68 + 0x43 / 8], 1 << (0x43 & 7)
        mov word [TSS_BASE + 0x66], TSS_IO_BASE
        mov eax, TSS_SEL
        mov ecx, (TSS_BASE << 16) | TSS_IO_BASE
        mov edx, 0x00008900 | ((TSS_BASE >> 16) & 0xFF)
        call set_descriptor
        mov ax, TSS_SEL
        ltr ax
        mov eax, cr4
        or eax, 1
        mov cr4, eax
        mov ecx, 13
        mov eax, v86_exit
        mov edx, 0x8E00
        call set_gate
        mov [saved_esp0], esp
        push dword 0                        ; GS, FS, DS, ES
        push dword 0
        push dword 0
        push dword 0
        push dword V86_SS
        push dword V86_SP
        push dword 0x80000 | 0x20000 | 2    ; VIF, VM, IOPL 0, IF 0
        push dword 0xF000
        push dword v86_code - $$
        iretd
v86_back:
        mov ecx, 13
        mov eax, isr13
        mov edx, 0x8E00
        call set_gate
        SOFT_CHECKS 1
        mov eax, [v86_regs]
        and eax, 0x3200
        CHECK_EQ eax, 0x3200, "V86 PUSHF under VME: IF shows VIF (set), IOPL shows 3"
        mov eax, [v86_regs + 4]
        and eax, 0x0200
        CHECK_EQ eax, 0, "V86 CLI under VME clears VIF"
        movzx eax, word [v86_regs + 8]
        CHECK_EQ eax, 0x4242, "V86 INT 0x42 (bit clear) ran the V86 handler"
        mov eax, [v86_regs + 8]
        shr eax, 16
        and eax, 0x3200
        CHECK_EQ eax, 0x3200, "  its FLAGS image: IF = VIF, IOPL 3"
        mov eax, [v86_regs + 12]
        and eax, 0x0200
        CHECK_EQ eax, 0x0200, "V86 IRET under VME: VIF from the image"
        CHECK_EQ [v86_frame + 4], v86_int43 - $$, "V86 INT 0x43 (bit set, IOPL 0): #GP to the monitor"
        CHECK_EQ [v86_frame], 0, "  error code 0"
        mov eax, [v86_frame + 12]
        and eax, 0xA3200
        CHECK_EQ eax, 0xA0000, "  EFLAGS: VM, VIF set, IF and IOPL 0"
        SOFT_CHECKS 0
        jmp finish

; The monitor's #GP handler while the V86 task runs: keeps the task's registers and frame, then
; returns to v86_back on the ring-0 stack of the caller.
v86_exit:
        push eax
        mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        pop eax
        mov [v86_regs], eax
        mov [v86_regs + 4], ebx
        mov [v86_regs + 8], ecx
        mov [v86_regs + 12], edx
        mov esi, esp
        mov edi, v86_frame
        mov ecx, 6
        rep movsd
        mov esp, [saved_esp0]
        jmp v86_back

        bits 16
v86_code:
        pushf
        pop ax
        cli
        pushf
        pop bx
        sti
        mov cx, 0
        int 0x42
        pushf
        pop dx
v86_int43:
        int 0x43
        hlt

v86_int42:                              ; the task's own handler: FLAGS image into ECX's top half
        mov bp, sp
        mov cx, [bp + 4]
        shl ecx, 16
        mov cx, 0x4242
        iret
        bits 32

title:  db "fastpath: CPUID bits, SYSENTER/SYSEXIT, FXSAVE/FXRSTOR, RDTSCP, VME", 13, 10, 0

%include "lib/reset.inc"
