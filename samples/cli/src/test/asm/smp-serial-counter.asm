; smp-serial-counter: a two-CPU guest (run it with --smp 2) whose serial output is a function of
; the work of both CPUs. The BSP starts the application processor with INIT and two startup IPIs,
; then for round n = 1, 2, 3, ...: dirties 16 pages, opens round n, waits until the AP closed it,
; and prints one line "0x<n> 0x<sum>". The AP, in real mode, waits for each new round, adds the
; round's number to the shared sum 64 times with LOCK XADD, dirties 8 pages of its own and closes
; the round. So line n reads 64 * (1 + ... + n) only if neither CPU's state (registers, the AP's
; last round seen, its local APIC) was lost or replayed twice: the fault-tolerance tests compare
; the output across a failover with one uninterrupted run (FtSmpTest).
; Build (from this directory):
;   nasm -f bin -I ../../../../../plugins/x86/guests/lib/ -o ../resources/guests/smp-serial-counter.rom smp-serial-counter.asm
        org 0xF0000
%include "pm32.inc"
%include "apstart.inc"

TRAMPOLINE  equ 0x8000          ; where the AP starts: startup IPI vector 0x08
round       equ 0x9000          ; the round the BSP opened
closed      equ 0x9004          ; the last round the AP closed
sum         equ 0x9008          ; the AP's additions
BSP_PAGES   equ 0x10000         ; 16 pages the BSP dirties per round
AP_PAGES    equ 0x20000         ; 8 pages the AP dirties per round
ADDS        equ 64              ; LOCK XADDs of the AP per round
SPIN        equ 2000            ; the BSP's spin between lines

main:
        COPY_TRAMPOLINE trampoline, trampoline_end, TRAMPOLINE
        xor eax, eax
        mov [round], eax
        mov [closed], eax
        mov [sum], eax
        START_APS TRAMPOLINE
        xor ebp, ebp                            ; n
.line:  inc ebp
        mov ecx, 16
        mov edi, BSP_PAGES
.dirty: inc dword [edi]
        add edi, 0x1000
        loop .dirty
        mov [round], ebp                        ; open round n
.wait:  pause
        cmp [closed], ebp
        jne .wait
        mov eax, ebp
        call puthex
        mov al, ' '
        call putc
        mov eax, [sum]
        call puthex
        call newline
        mov ecx, SPIN
.spin:  dec ecx
        jnz .spin
        jmp .line

; ---- the AP's code, copied to TRAMPOLINE; runs at CS = 0x0800, IP = 0, no stack needed ----
        bits 16
trampoline:
        cli
        xor ax, ax
        mov ds, ax
        xor esi, esi                            ; the last round this AP saw
.wait:  pause
        mov eax, [round]
        cmp eax, esi
        je .wait
        mov esi, eax
        mov ecx, ADDS
.add:   mov eax, esi
        lock xadd [sum], eax
        dec ecx
        jnz .add
        mov cx, 8
        mov bx, AP_PAGES >> 4
.dirty: mov es, bx
        inc dword [es:0]
        add bx, 0x100                           ; next 4 KiB page
        loop .dirty
        mov [closed], esi                       ; close the round
        jmp .wait
trampoline_end:
        bits 32

%include "reset.inc"
