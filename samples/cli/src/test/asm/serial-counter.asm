; serial-counter: a firmware ROM that prints a counter on COM1, one decimal line per step
; (1, 2, 3, ...), and between lines increments a dword in each of 16 pages (0x10000 up) and spins.
; Its output is a function of its state alone, so fault-tolerance tests can tell whether the
; serial output seen across a failover is that of one uninterrupted run: nothing lost, nothing
; twice, nothing the standby did not reproduce (FtOutputCommitTest).
; Build: nasm -f bin -I ../../../../../plugins/x86/guests/ -o ../resources/guests/serial-counter.rom serial-counter.asm
        bits 16
        cpu 386
        org 0

COUNT   equ 0x500               ; dword, in RAM segment 0 (FS)
PAGES   equ 16                  ; pages dirtied per line, from 0x10000
SPIN    equ 2000                ; iterations of the spin loop per line

start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov fs, ax
        mov ax, cs
        mov ds, ax
        mov dword [fs:COUNT], 0
        call serial_init16
.line:  mov eax, [fs:COUNT]
        inc eax
        mov [fs:COUNT], eax
        call putdec16
        mov al, 10
        call putc16
        mov cx, PAGES
        mov bx, 0x1000
.dirty: mov es, bx
        inc dword [es:0]
        add bx, 0x100           ; next 4 KiB page
        loop .dirty
        mov ecx, SPIN
.spin:  dec ecx
        jnz .spin
        jmp .line

%include "lib/rom16.inc"
%include "lib/reset.inc"
