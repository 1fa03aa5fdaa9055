; dirty-64: a firmware ROM that increments one dword in each of 64 fixed pages (0x10000-0x4FFFF),
; over and over, in a tight loop: the dirty set between two checkpoints is always the same 64
; pages (the fault-tolerance benchmark's "64-page dirtier", FtIntervalBenchmark).
; Build: nasm -f bin -o ../resources/guests/dirty-64.rom dirty-64.asm
bits 16
org 0

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
.pass:
    mov ax, 0x1000              ; first page at 0x10000
    mov cx, 64
.page:
    mov es, ax
    inc dword [es:0]
    add ax, 0x100               ; next 4 KiB page
    loop .page
    jmp .pass

    times 0xfff0 - ($ - $$) db 0xf4
reset:
    jmp 0xf000:start
    times 0x10000 - ($ - $$) db 0xf4
