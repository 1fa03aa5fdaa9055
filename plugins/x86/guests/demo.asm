; demo.asm - the default Tern guest (`./tern run` with no arguments).
; Real mode only (with 386 32-bit registers): prints a banner, an ASCII Mandelbrot set in
; Q12 fixed point, the first primes, then exits through isa-debug-exit with 0x10 (success).
; Budget: about 1.7 KB of output and well under 2 M instructions.

        bits 16
        cpu 386
        org 0

COLS    equ 64
ROWS    equ 22
MAXIT   equ 30
FRAC    equ 12                  ; Q12 fixed point: 1.0 = 4096
X0      equ -8602               ; -2.1
XSTEP   equ 171                 ; 2.7 / 64
Y0      equ -4915               ; -1.2
YSTEP   equ 468                 ; 2.4 / 21
NPRIMES equ 30

start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov ax, cs
        mov ds, ax
        call serial_init16
        mov si, banner
        call puts16
        call mandelbrot
        call primes
        mov si, goodbye
        call puts16
        mov al, EXIT_PASS
        jmp exit16

; mandelbrot: ROWS lines of COLS characters; EDI = ci, ESI = cr.
mandelbrot:
        mov edi, Y0
        mov bp, ROWS
.row:   mov esi, X0
        mov cx, COLS
.col:   call escape_time        ; -> BX = iterations
        mov al, [palette + bx]
        call putc16
        add esi, XSTEP
        loop .col
        mov al, 13
        call putc16
        mov al, 10
        call putc16
        add edi, YSTEP
        dec bp
        jnz .row
        ret

; escape_time: c = ESI + i*EDI (Q12); returns BX = iterations (0..MAXIT).
escape_time:
        push ebp
        push ecx
        xor ecx, ecx            ; zr
        xor edx, edx            ; zi
        xor bx, bx
.iter:  mov eax, ecx
        imul eax, eax
        sar eax, FRAC           ; zr^2
        push eax
        mov eax, edx
        imul eax, eax
        sar eax, FRAC           ; zi^2
        pop ebp                 ; ebp = zr^2
        push eax
        add eax, ebp
        cmp eax, 4 << FRAC
        pop eax
        jg .out
        sub ebp, eax            ; zr^2 - zi^2
        imul edx, ecx
        sar edx, FRAC - 1       ; 2*zr*zi
        add edx, edi
        lea ecx, [ebp + esi]
        inc bx
        cmp bx, MAXIT
        jb .iter
.out:   pop ecx
        pop ebp
        ret

; primes: the first NPRIMES primes by trial division.
primes:
        mov si, primes_msg
        call puts16
        mov ecx, 2              ; candidate
        xor bp, bp              ; found
.cand:  mov ebx, 2
.trial: mov eax, ebx
        mul eax
        cmp eax, ecx
        ja .prime
        mov eax, ecx
        xor edx, edx
        div ebx
        test edx, edx
        jz .next
        inc ebx
        jmp .trial
.prime: mov eax, ecx
        call putdec16
        mov al, ' '
        call putc16
        inc bp
        cmp bp, NPRIMES
        jae .done
.next:  inc ecx
        jmp .cand
.done:  mov al, 13
        call putc16
        mov al, 10
        call putc16
        ret

%include "lib/rom16.inc"

banner:     db "Tern demo guest ", 0xE2, 0x80, 0x94, " bare-metal x86 in real mode, no BIOS", 13, 10
            db "Mandelbrot set, Q12 fixed point, ", "64x22, 30 iterations:", 13, 10, 0
palette:    db "  .,:;-~=+*oooxxxxXXXXX%%%%%%%#"   ; index = iterations, 30 = in the set
primes_msg: db "First 30 primes:", 13, 10, 0
goodbye:    db "Demo complete; exiting via isa-debug-exit (0x10 = success).", 13, 10, 0

%include "lib/reset.inc"
