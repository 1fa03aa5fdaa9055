; dirty-1000: the fault-tolerance benchmark's 1,000-page dirtier, as a Multiboot ELF. Prints one
; line on COM1, then increments one dword in each of 1,000 fixed pages (0x1000000-0x13E7FFF), over
; and over: every checkpoint carries the same 1,000 dirty pages (the issue's pause goal is for at
; most 1,000). dirty-writer.asm with another page count.
%include "multiboot.inc"
MULTIBOOT_ELF start
%include "serial.inc"

FIRST equ 0x01000000
PAGES equ 1000

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

banner: db "dirty-1000: running", 13, 10, 0
MULTIBOOT_END
