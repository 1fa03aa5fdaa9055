; shout.asm - the guest function of the embedding sample (64 KiB real-mode ROM, no BIOS).
; Prints "ready" on COM1, then answers every line it reads there (up to LF; CR is ignored) with
;     #<calls> <the line in upper case> total=<bytes kept over all calls>
; Its state lives in RAM (CALLS, TOTAL, the line buffer), so a snapshot captures it and a restore
; rewinds it. Lines longer than MAXLINE bytes are cut: the rest, up to LF, is read and dropped.
; Build: nasm -f bin -I ../../../plugins/x86/guests/lib/ -o shout.rom shout.asm (see build.sh)

        bits 16
        cpu 386
        org 0

CALLS   equ 0x500               ; dword: lines answered
TOTAL   equ 0x504               ; dword: bytes kept over all lines
LINE    equ 0x600               ; the current line
MAXLINE equ 200

start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov es, ax              ; ES: RAM variables
        mov ax, cs
        mov ds, ax              ; DS: the ROM's strings
        call serial_init16
        xor eax, eax
        mov [es:CALLS], eax
        mov [es:TOTAL], eax
        mov si, ready
        call puts16

next_line:
        xor di, di              ; DI = bytes kept of this line
.read:  call getc16
        cmp al, 10
        je .answer
        cmp al, 13
        je .read
        cmp di, MAXLINE
        jae .read
        cmp al, 'a'
        jb .keep
        cmp al, 'z'
        ja .keep
        sub al, 'a' - 'A'
.keep:  mov [es:LINE + di], al
        inc di
        inc dword [es:TOTAL]
        jmp .read

.answer:
        inc dword [es:CALLS]
        mov al, '#'
        call putc16
        mov eax, [es:CALLS]
        call putdec16
        mov al, ' '
        call putc16
        xor bx, bx
.echo:  cmp bx, di
        jae .tail
        mov al, [es:LINE + bx]
        call putc16
        inc bx
        jmp .echo
.tail:  mov si, total_is
        call puts16
        mov eax, [es:TOTAL]
        call putdec16
        mov al, 13
        call putc16
        mov al, 10
        call putc16
        jmp next_line

; getc16: waits for a received byte (LSR.DR, bit 0) and returns it in AL.
getc16:
        push dx
        mov dx, COM1+5
.wait:  in al, dx
        test al, 1
        jz .wait
        mov dx, COM1
        in al, dx
        pop dx
        ret

%include "rom16.inc"

ready:    db "ready", 13, 10, 0
total_is: db " total=", 0

%include "reset.inc"
