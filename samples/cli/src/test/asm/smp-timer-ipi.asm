; smp-timer-ipi: every CPU keeps its local APIC busy while machine tests save and restore it. The
; BSP starts the application processors with INIT and two startup IPIs; each CPU then enters
; protected mode, arms its APIC timer (odd APIC IDs periodic, even ones one-shot, re-armed by the
; handler, each with a period of its own) and loops forever: a burst of increments, a fixed IPI to
; every other CPU, and now and then a HLT that the next timer or IPI ends. Handlers count what
; arrived per CPU at COUNTS + 16 * APIC ID: +0 timer interrupts, +4 IPIs, +8 loop rounds, +12 halts.
; Build (from this directory):
;   nasm -f bin -I ../../../../../plugins/x86/guests/lib/ -o ../resources/guests/smp-timer-ipi.rom smp-timer-ipi.asm
        org 0xF0000
%include "pm32.inc"
%include "apstart.inc"

TRAMPOLINE  equ 0x8000          ; where the APs start: startup IPI vector 0x08
COUNTS      equ 0x10000
TIMER_VEC   equ 0x40
IPI_VEC     equ 0x41
IDT_DESC    equ scratch + 0x40  ; the BSP's IDTR, loaded by every AP

main:
        mov ecx, TIMER_VEC
        mov eax, timer_isr
        mov edx, 0x8E00
        call set_gate
        mov ecx, IPI_VEC
        mov eax, ipi_isr
        call set_gate
        sidt [IDT_DESC]
        COPY_TRAMPOLINE trampoline, trampoline_end, TRAMPOLINE
        START_APS TRAMPOLINE
        jmp cpu_main

; ---- every CPU, in protected mode with a stack of its own ----
cpu_main:
        mov dword [LAPIC + 0xF0], 0x1FF
        mov eax, [LAPIC + 0x20]
        shr eax, 24
        mov ebp, eax                            ; APIC ID
        shl ebp, 4
        add ebp, COUNTS                         ; this CPU's counters
        mov dword [LAPIC + 0x3E0], 0xB          ; divide by 1
        mov edx, TIMER_VEC
        test eax, 1
        jz .oneshot
        or edx, 1 << 17                         ; periodic
.oneshot:
        mov [LAPIC + 0x320], edx
        call timer_period
        mov [LAPIC + 0x380], eax
        sti
.round: mov ecx, 300
.burst: inc dword [ebp + 8]
        dec ecx
        jnz .burst
        mov dword [LAPIC + 0x310], 0
        mov dword [LAPIC + 0x300], 0x000C0000 | IPI_VEC  ; fixed, all excluding self
        test dword [ebp + 8], 0x3F00
        jnz .round
        inc dword [ebp + 12]
        hlt                                     ; the next timer or IPI wakes it
        jmp .round

; EAX = this CPU's timer period in bus ticks (1 ns each at divide by 1): 40-70 us, by APIC ID
timer_period:
        mov eax, [LAPIC + 0x20]
        shr eax, 24
        imul eax, eax, 10007
        add eax, 40000
        ret

timer_isr:
        push eax
        push ebx
        mov ebx, [LAPIC + 0x20]
        shr ebx, 24
        shl ebx, 4
        lock inc dword [COUNTS + ebx]
        test ebx, 16                            ; even APIC ID: one-shot, armed again here
        jnz .eoi
        call timer_period
        mov [LAPIC + 0x380], eax
.eoi:   mov dword [LAPIC + 0xB0], 0
        pop ebx
        pop eax
        iret

ipi_isr:
        push ebx
        mov ebx, [LAPIC + 0x20]
        shr ebx, 24
        shl ebx, 4
        lock inc dword [COUNTS + ebx + 4]
        mov dword [LAPIC + 0xB0], 0
        pop ebx
        iret

; ---- the AP's start-up code, copied to TRAMPOLINE; runs at CS = 0x0800, IP = 0 ----
        bits 16
trampoline:
        cli
        o32 lgdt [cs:ap_gdt - trampoline]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword CODE_SEL:ap_pm
ap_gdt: dw GDT_SLOTS * 8 - 1
        dd GDT_BASE
trampoline_end:
        bits 32
ap_pm:  mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov ss, ax
        lidt [IDT_DESC]
        mov eax, [LAPIC + 0x20]
        shr eax, 24
        shl eax, 12
        mov esp, STACK_TOP
        sub esp, eax                            ; 4 KiB of stack per CPU below the BSP's
        jmp cpu_main

%include "reset.inc"
