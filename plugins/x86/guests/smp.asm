; smp.asm - several CPUs: the BSP starts the application processors with INIT and startup IPIs,
; every CPU adds 1 to one shared counter with LOCK XADD, and the BSP checks the exact total.
; The number of CPUs is the dword after the "SMPN" tag (default 1); a test patches it to match
; the machine (-smp N on QEMU). Each AP starts in real mode at 0x8000 (startup vector 8), runs the
; first half of its additions there, enters protected mode, runs the second half, and records the
; initial APIC ID CPUID reports and the ID its own local APIC register reads.
        org 0xF0000
%include "lib/pm32.inc"
%include "lib/apstart.inc"

ADDS        equ 50000           ; LOCK XADDs per CPU (half in real mode on an AP)
TRAMPOLINE  equ 0x8000          ; where the APs start: startup IPI vector 0x08
counter     equ 0x9000          ; the shared counter
started     equ 0x9004          ; APs that reached the trampoline
finished    equ 0x9008          ; APs done adding
cpuid_seen  equ 0x900C          ; bit n: an AP's CPUID reported initial APIC ID n
apic_seen   equ 0x9010          ; bit n: an AP's local APIC ID register read n
expected    equ 0x9014

main:
        mov esi, title
        call puts
        COPY_TRAMPOLINE trampoline, trampoline_end, TRAMPOLINE
        xor eax, eax
        mov [counter], eax
        mov [started], eax
        mov [finished], eax
        mov [cpuid_seen], eax
        mov [apic_seen], eax

        mov eax, 1
        cpuid
        and edx, 1 << 9
        CHECK_EQ edx, 1 << 9, "CPUID.1:EDX advertises the local APIC"
        shr ebx, 24
        CHECK_EQ ebx, 0, "the BSP's initial APIC ID is 0"
        mov ecx, 0x1B
        rdmsr
        and eax, 0xFFFFF900
        CHECK_EQ eax, 0xFEE00900, "IA32_APIC_BASE: 0xFEE00000, enabled, BSP"
        mov eax, [LAPIC + 0x20]
        shr eax, 24
        CHECK_EQ eax, 0, "the BSP's local APIC ID register reads 0"

        START_APS TRAMPOLINE

        mov ecx, ADDS
.add:   mov eax, 1
        lock xadd [counter], eax
        dec ecx
        jnz .add

        mov ebx, [smp_cpus]
        dec ebx
.wait:  pause
        cmp [finished], ebx
        jne .wait

        mov esi, msg_total
        call puts
        mov eax, [counter]
        call puthex
        call newline
        CHECK_EQ [started], ebx, "every AP started"
        mov eax, [smp_cpus]
        imul eax, ADDS
        mov [expected], eax
        CHECK_EQ [counter], [expected], "the counter holds every CPU's additions"
        mov eax, 1
        mov ecx, [smp_cpus]
        shl eax, cl
        sub eax, 2
        mov [expected], eax
        CHECK_EQ [cpuid_seen], [expected], "each AP's CPUID reports its own APIC ID"
        CHECK_EQ [apic_seen], [expected], "each AP reads its own local APIC at 0xFEE00000"
        jmp finish

; ---- the AP's start-up code, copied to TRAMPOLINE; runs at CS = 0x0800, IP = 0 ----
        bits 16
trampoline:
        cli
        xor ax, ax
        mov ds, ax
        lock inc dword [started]
        mov eax, 1
        cpuid
        shr ebx, 24
        lock bts [cpuid_seen], ebx
        mov ecx, ADDS / 2
.real:  mov eax, 1
        lock xadd [counter], eax
        dec ecx
        jnz .real
        o32 lgdt [TRAMPOLINE + ap_gdt - trampoline]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword CODE_SEL:(TRAMPOLINE + ap_pm - trampoline)
        bits 32
ap_pm:  mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov ecx, ADDS - ADDS / 2
.prot:  mov eax, 1
        lock xadd [counter], eax
        dec ecx
        jnz .prot
        mov eax, [LAPIC + 0x20]
        shr eax, 24
        lock bts [apic_seen], eax
        lock inc dword [finished]
.idle:  cli
        hlt
        jmp .idle
ap_gdt: dw GDT_SLOTS * 8 - 1
        dd GDT_BASE
trampoline_end:

title:     db "smp: INIT/SIPI bring-up and a shared LOCK XADD counter", 13, 10, 0
msg_total: db "  counter ", 0
        align 4
        db "SMPN"
smp_cpus:  dd 1

%include "lib/reset.inc"
