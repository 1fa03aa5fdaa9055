; rewrite-64m: the XBZRLE patch's load generator grown to 64 MiB, the working set of issue #6's
; convergence case. In flat 32-bit protected mode it increments one byte (offset 1234) of every
; page of 0x1000000-0x4FFFFFF, over and over: every pass re-dirties all 16384 pages, each of them
; changed in one byte, so raw pages cost 4 KiB on the wire and XBZRLE deltas a dozen bytes.
; Each page first gets a non-zero marker: otherwise every 256th pass turns the counter bytes back
; to 0 and all 16384 pages become zero pages, which cost 8 bytes each even without XBZRLE, and a
; round that happens to see them converges (a flaky "never converges raw" case).
; Needs at least 80 MiB of RAM (-m 96M).
; Build: nasm -f bin -o ../resources/guests/rewrite-64m.rom rewrite-64m.asm
ROM_BASE equ 0xF0000
FIRST    equ 0x01000000
LAST_END equ 0x05000000

bits 16
org 0

start:
    cli
    in al, 0x92                 ; fast A20: addresses above 1 MiB must not wrap
    or al, 2
    and al, 0xFE                ; bit 0 would reset the machine
    out 0x92, al
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword 0x08:(ROM_BASE + flat)

bits 32
flat:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7000
    mov edi, FIRST
.mark:
    mov dword [edi], 0x5445524E ; "NRET": never a zero page again
    add edi, 4096
    cmp edi, LAST_END
    jb .mark
.pass:
    mov edi, FIRST
.page:
    inc byte [edi + 1234]
    add edi, 4096
    cmp edi, LAST_END
    jb .page
    jmp .pass

align 8
gdt:
    dq 0                        ; null
    dq 0x00CF9A000000FFFF       ; 0x08: code, base 0, 4 GiB, 32-bit
    dq 0x00CF92000000FFFF       ; 0x10: data, base 0, 4 GiB
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd ROM_BASE + gdt

    times 0xfff0 - ($ - $$) db 0xf4
bits 16
reset:
    jmp 0xf000:start
    times 0x10000 - ($ - $$) db 0xf4
