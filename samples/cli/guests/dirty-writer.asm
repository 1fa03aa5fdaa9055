; dirty-writer: the migration benchmark's light load, as a Multiboot ELF both QEMU and Tern boot.
; Prints one line on COM1 (the benchmark's sign that the guest runs), then increments one dword in
; each of 64 fixed pages (0x1000000-0x103FFFF), over and over, in a tight loop: the dirty set is
; always the same 64 pages. Another page count and name: %define PAGES and NAME, then include this
; file (dirty-1000.asm).
%include "multiboot.inc"
MULTIBOOT_ELF start
%include "serial.inc"

FIRST equ 0x01000000
%ifndef PAGES
%define PAGES 64
%endif
%ifndef NAME
%define NAME "dirty-writer"
%endif

start:
    mov esp, stack_top
    mov esi, banner
    call puts
.pass:
    mov edi, FIRST
.page:
    inc dword [edi]
    add edi, 4096
    cmp edi, FIRST + PAGES * 4096
    jb .page
    jmp .pass

banner: db NAME, ": running", 13, 10, 0
MULTIBOOT_END
