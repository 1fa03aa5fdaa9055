; gdb-loop: a firmware ROM for the GDB stub tests. It enters flat 32-bit protected mode and then
; counts forever: EBX counts loop rounds, the dword at 0x1000 holds the same count (a watchpoint
; target), and the function `tick` at 0xF0100 adds EBX to ECX each round (a breakpoint target).
; The addresses are linear; the ROM sits at 0xF0000 (org 0 plus that base in 32-bit code).
; Build: nasm -f bin -o ../resources/guests/gdb-loop.rom gdb-loop.asm
bits 16
org 0

ROM equ 0xf0000

start:
    cli
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(ROM + pm)

bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, 0x7000
    xor ebx, ebx
    xor ecx, ecx
    mov dword [0x1000], 0
    mov esi, ROM + tick
    jmp round

    times 0x80 - ($ - $$) db 0x90
round:                          ; 0xF0080
    inc ebx                     ; 0xF0080
    mov [0x1000], ebx           ; 0xF0081
    call esi                    ; 0xF0087
    jmp round                   ; 0xF0089

    align 16
gdt:
    dq 0
    dq 0x00cf9a000000ffff      ; 0x08: code, base 0, 4 GiB, 32-bit
    dq 0x00cf92000000ffff      ; 0x10: data, base 0, 4 GiB
gdtr:
    dw gdtr - gdt - 1
    dd ROM + gdt

    times 0x100 - ($ - $$) db 0x90
tick:                           ; 0xF0100
    add ecx, ebx
    ret

    times 0xfff0 - ($ - $$) db 0xf4
bits 16
reset:
    jmp 0xf000:start
    times 0x10000 - ($ - $$) db 0xf4
