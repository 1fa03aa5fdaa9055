; random-fill: the bulk-transfer load for multifd benchmarks. In flat 32-bit protected mode it
; fills 0x100000-0xFEFFFFF (253 MiB: all of a 256 MiB guest's RAM above 1 MiB but its last MiB)
; with xorshift32 output, so no page is zero and none compresses; then it writes the marker
; "FULL" at 0x500 (the benchmark waits for it) and spins without writing memory, so the
; migration moves the random RAM once and almost nothing dirties it again.
; Needs -m 256M.
; Build: nasm -f bin -o ../resources/guests/random-fill.rom random-fill.asm
ROM_BASE equ 0xF0000
FIRST    equ 0x00100000
LAST_END equ 0x0FF00000

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
    cld
    mov edi, FIRST
    mov eax, 0x2545F491         ; xorshift32 state, never 0
.fill:
    mov edx, eax
    shl edx, 13
    xor eax, edx
    mov edx, eax
    shr edx, 17
    xor eax, edx
    mov edx, eax
    shl edx, 5
    xor eax, edx
    stosd
    cmp edi, LAST_END
    jb .fill
    mov dword [0x500], 0x4C4C5546 ; "FULL"
.spin:
    jmp .spin

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
