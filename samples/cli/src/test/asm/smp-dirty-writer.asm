; smp-dirty-writer: the dirty-writer on every CPU. The BSP starts the application processors with
; INIT and two startup IPIs; then every CPU increments dwords in pseudo-randomly chosen pages of
; 0x10000-0x8FFFF forever, each from a seed of its own (its initial APIC ID from CPUID), the APs in
; real mode and the BSP in protected mode. Machine tests sync the dirty log from another thread
; while all of them write and check that no changed page was missed.
; Build (from this directory):
;   nasm -f bin -I ../../../../../plugins/x86/guests/lib/ -o ../resources/guests/smp-dirty-writer.rom smp-dirty-writer.asm
        org 0xF0000
%include "pm32.inc"
%include "apstart.inc"

TRAMPOLINE  equ 0x8000          ; where the APs start: startup IPI vector 0x08
FIRST       equ 0x10000         ; first page written; 128 pages

main:
        COPY_TRAMPOLINE trampoline, trampoline_end, TRAMPOLINE
        START_APS TRAMPOLINE
        mov ebx, 12345                          ; the BSP's LCG state
.next:  imul ebx, ebx, 1103515245
        add ebx, 12345
        mov eax, ebx
        shr eax, 16
        and eax, 127
        shl eax, 12                             ; page 0..127
        mov edi, ebx
        and edi, 0x0ffc                         ; dword inside the page
        inc dword [FIRST + eax + edi]
        jmp .next

; ---- the AP's code, copied to TRAMPOLINE; runs at CS = 0x0800, IP = 0, no stack needed ----
        bits 16
trampoline:
        cli
        mov eax, 1
        cpuid
        shr ebx, 24
        imul ebx, ebx, 7919
        add ebx, 12345                          ; a seed of its own
.next:  imul ebx, ebx, 1103515245
        add ebx, 12345
        mov eax, ebx
        shr eax, 16
        and ax, 127
        shl ax, 8                               ; 4 KiB = 0x100 paragraphs
        add ax, FIRST >> 4
        mov es, ax
        mov di, bx
        and di, 0x0ffc
        inc dword [es:di]
        jmp .next
trampoline_end:
        bits 32

%include "reset.inc"
