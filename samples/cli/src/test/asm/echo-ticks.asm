; echo-ticks: an interrupt-driven guest whose output depends on when its input arrives. The PIT
; ticks at 1 kHz (IRQ0) and the UART raises IRQ4 for each received byte; the main loop idles in
; HLT and, for every byte typed, prints it with the tick count it was read at and stores it in RAM
; at a tick-dependent address. 'q' ends the run through isa-debug-exit (0x10 = success).
; Under --pacing realtime the tick counts follow the wall clock, so two live runs differ; a replay
; of a recording must reproduce the recorded run byte for byte.
; Build: nasm -f bin -I ../../../../../plugins/x86/guests/ -o ../resources/guests/echo-ticks.rom echo-ticks.asm
        bits 16
        cpu 386
        org 0

TICKS   equ 0x500               ; dword, in RAM segment 0 (FS)
HEAD    equ 0x504               ; byte: ring write index (IRQ4)
TAIL    equ 0x505               ; byte: ring read index (main loop)
RING    equ 0x600               ; 256-byte ring of received bytes
TRACE   equ 0x1000              ; 4 KiB: each byte lands at TRACE + (ticks & 0xfff)

start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov fs, ax
        mov es, ax
        mov ax, cs
        mov ds, ax
        mov dword [fs:TICKS], 0
        mov word [fs:HEAD], 0
        mov word [es:8*4], irq0         ; vector 8 = IRQ0 after the PIC setup below
        mov word [es:8*4+2], cs
        mov word [es:0xC*4], irq4       ; vector 12 = IRQ4
        mov word [es:0xC*4+2], cs
        ; PIC pair: master at vectors 8-15, slave at 0x70; only IRQ0 and IRQ4 unmasked
        mov al, 0x11
        out 0x20, al
        out 0xA0, al
        mov al, 0x08
        out 0x21, al
        mov al, 0x70
        out 0xA1, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x02
        out 0xA1, al
        mov al, 0x01
        out 0x21, al
        out 0xA1, al
        mov al, 0xEE
        out 0x21, al
        mov al, 0xFF
        out 0xA1, al
        ; PIT channel 0, mode 2, divisor 1193: about 1 kHz
        mov al, 0x34
        out 0x43, al
        mov ax, 1193
        out 0x40, al
        mov al, ah
        out 0x40, al
        call serial_init16
        mov dx, COM1+4
        mov al, 0x0B                    ; DTR, RTS, OUT2 (the PC's IRQ gate)
        out dx, al
        mov dx, COM1+1
        mov al, 0x01                    ; interrupt on received data
        out dx, al
        mov si, ready
        call puts16
        sti
.wait:  cli
        mov al, [fs:HEAD]
        cmp al, [fs:TAIL]
        jne .have
        sti
        hlt
        jmp .wait
.have:  sti
        movzx bx, byte [fs:TAIL]
        mov al, [fs:RING+bx]
        inc byte [fs:TAIL]
        cmp al, 'q'
        je .quit
        mov ebx, [fs:TICKS]
        and bx, 0x0FFF
        mov [fs:TRACE+bx], al
        mov si, got
        call puts16
        call putc16
        mov si, at_msg
        call puts16
        mov eax, [fs:TICKS]
        call putdec16
        mov al, 13
        call putc16
        mov al, 10
        call putc16
        jmp .wait
.quit:  mov si, bye
        call puts16
        mov al, EXIT_PASS
        jmp exit16

irq0:   inc dword [fs:TICKS]
        push ax
        mov al, 0x20
        out 0x20, al
        pop ax
        iret

irq4:   push ax
        push bx
        push dx
.more:  mov dx, COM1+5
        in al, dx
        test al, 0x01
        jz .done
        mov dx, COM1
        in al, dx
        movzx bx, byte [fs:HEAD]
        mov [fs:RING+bx], al
        inc byte [fs:HEAD]
        jmp .more
.done:  mov al, 0x20
        out 0x20, al
        pop dx
        pop bx
        pop ax
        iret

%include "lib/rom16.inc"

ready:  db "echo-ticks ready", 13, 10, 0
got:    db "got '", 0
at_msg: db "' at tick ", 0
bye:    db "bye", 13, 10, 0

%include "lib/reset.inc"
