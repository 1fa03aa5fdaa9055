; rewrite-64m: the migration benchmark's heavy load (issue #6's convergence case), as a Multiboot
; ELF both QEMU and Tern boot. Prints one line on COM1, then increments one byte (offset 1234) of
; every page of 0x1000000-0x4FFFFFF (16384 pages, 64 MiB), pass after pass: every pass re-dirties
; all of them, each changed in one byte (raw: 4 KiB on the wire per page; XBZRLE: a dozen bytes).
; Each page first gets a non-zero marker, or every 256th pass would turn all of them back into
; zero pages and make a round suddenly cheap. Needs at least 80 MiB of RAM.
%include "multiboot.inc"
MULTIBOOT_ELF start
%include "serial.inc"

FIRST    equ 0x01000000
LAST_END equ 0x05000000

start:
    mov esp, stack_top
    mov edi, FIRST
.mark:
    mov dword [edi], 0x5445524E ; "NRET"
    add edi, 4096
    cmp edi, LAST_END
    jb .mark
    mov esi, banner
    call puts
.pass:
    mov edi, FIRST
.page:
    inc byte [edi + 1234]
    add edi, 4096
    cmp edi, LAST_END
    jb .page
    jmp .pass

banner: db "rewrite-64m: running", 13, 10, 0
MULTIBOOT_END
