; dirty-writer: a firmware ROM that increments dwords in pseudo-randomly chosen pages of
; 0x10000-0x8FFFF forever. Machine tests sync the dirty log while it runs and check that every
; page whose content changed between two syncs was reported dirty.
; Build: nasm -f bin -o ../resources/guests/dirty-writer.rom dirty-writer.asm
bits 16
org 0

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov ebx, 12345              ; LCG state
.next:
    imul ebx, ebx, 1103515245
    add ebx, 12345
    mov eax, ebx
    shr eax, 16
    and ax, 127                 ; page 0..127
    shl ax, 8                   ; 4 KiB = 0x100 paragraphs
    add ax, 0x1000              ; first page at 0x10000
    mov es, ax
    mov di, bx
    and di, 0x0ffc              ; dword inside the page
    inc dword [es:di]
    jmp .next

    times 0xfff0 - ($ - $$) db 0xf4
reset:
    jmp 0xf000:start
    times 0x10000 - ($ - $$) db 0xf4
