; multiboot-check: reports on COM1 what a Multiboot loader handed over, then exits through
; isa-debug-exit: 0x10 (status 33) when EAX held the loader magic, EBX's structure had the memory
; (bit 0) and command line (bit 2) flags, CR0 had PE set and PG clear, and A20 was on; 0x11
; (status 35) otherwise. Tern's MultibootBootTest checks its output; on QEMU:
;   qemu-system-i386 -kernel multiboot-check.elf -append "hello multiboot" -m 16 -nographic \
;       -device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot
%include "multiboot.inc"
MULTIBOOT_ELF start
%include "serial.inc"

start:
    mov esp, stack_top
    mov [magic], eax
    mov [info], ebx
    mov esi, msg_magic
    call puts
    mov eax, [magic]
    call puthex
    cmp dword [magic], 0x2BADB002
    jne fail
    mov ebx, [info]
    mov esi, msg_flags
    call puts
    mov eax, [ebx]
    call puthex
    mov eax, [ebx]
    and eax, 0x5
    cmp eax, 0x5
    jne fail
    mov esi, msg_lower
    call puts
    mov ebx, [info]
    mov eax, [ebx + 4]
    call putdec
    mov esi, msg_upper
    call puts
    mov ebx, [info]
    mov eax, [ebx + 8]
    call putdec
    mov esi, msg_cmdline
    call puts
    mov ebx, [info]
    mov esi, [ebx + 16]
    call puts
    mov esi, msg_cr0
    call puts
    mov eax, cr0
    call puthex
    mov eax, cr0
    and eax, 0x80000001
    cmp eax, 1                  ; PE set, PG clear
    jne fail
    ; A20: with it off, 0x100000 + X would alias X; write distinct values and compare.
    mov dword [0x00000500], 0x11111111
    mov dword [0x00100500], 0x22222222
    cmp dword [0x00000500], 0x11111111
    jne fail
    mov esi, msg_pass
    call puts
    mov al, 0x10
    out DEBUG_EXIT, al
    hlt
fail:
    mov esi, msg_fail
    call puts
    mov al, 0x11
    out DEBUG_EXIT, al
    hlt

magic: dd 0
info:  dd 0
msg_magic:   db "multiboot-check: eax=", 0
msg_flags:   db 13, 10, "flags=", 0
msg_lower:   db 13, 10, "mem_lower=", 0
msg_upper:   db " mem_upper=", 0
msg_cmdline: db 13, 10, "cmdline=", 0
msg_cr0:     db 13, 10, "cr0=", 0
msg_pass:    db 13, 10, "PASS", 13, 10, 0
msg_fail:    db 13, 10, "FAIL", 13, 10, 0
MULTIBOOT_END
