; bench: the CPU-bound guest behind `tern bench`. Enters 32-bit protected mode with flat segments
; and runs a sieve of Eratosthenes over 1 MiB at 0x100000, forever: loads, stores, compares,
; taken and untaken branches, like ordinary compiled code. It never does I/O, so the measured rate
; is the interpreter's alone.
; Build: nasm -f bin -o ../resources/dev/tern/cli/bench.rom bench.asm
bits 16
org 0

start16:
    cli
    cld
    xor ax, ax
    mov ds, ax
    o32 lgdt [cs:gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(0xf0000 + start32)

bits 32
start32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x9f000
    SIEVE_BASE equ 0x100000
    SIEVE_SIZE equ 0x100000
.round:
    mov edi, SIEVE_BASE             ; mark everything prime (1)
    mov ecx, SIEVE_SIZE / 4
    mov eax, 0x01010101
    rep stosd
    mov ebx, 2                      ; candidate
.outer:
    mov eax, ebx
    mul ebx
    cmp eax, SIEVE_SIZE
    jae .done
    cmp byte [SIEVE_BASE + ebx], 0
    je .next
    mov edx, eax                    ; cross out multiples from candidate^2
.inner:
    mov byte [SIEVE_BASE + edx], 0
    add edx, ebx
    cmp edx, SIEVE_SIZE
    jb .inner
.next:
    inc ebx
    jmp .outer
.done:
    xor eax, eax                    ; count primes (keeps the result live)
    mov esi, SIEVE_BASE + 2
.count:
    movzx edx, byte [esi]
    add eax, edx
    inc esi
    cmp esi, SIEVE_BASE + SIEVE_SIZE
    jb .count
    mov [0x9f000], eax
    jmp .round

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff           ; 0x08: flat 32-bit code
    dq 0x00cf92000000ffff           ; 0x10: flat 32-bit data
gdt_desc:
    dw gdt_desc - gdt - 1
    dd 0xf0000 + gdt

    times 0xfff0 - ($ - $$) db 0xf4
bits 16
reset:
    jmp 0xf000:start16
    times 0x10000 - ($ - $$) db 0xf4
