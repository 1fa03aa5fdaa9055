; smp-locked.asm - every locked read-modify-write form against the other CPUs' locked and plain
; accesses. The BSP starts the APs with INIT and startup IPIs; every CPU (up to 4) then runs the
; same loop ITER times, in protected mode:
;   - LOCK XADD, a LOCK CMPXCHG retry loop and a LOCK CMPXCHG8B retry loop each add 1 to a counter
;     of their own; the CMPXCHG8B qword's high dword holds one byte per CPU that its owner
;     increments with plain stores, so a locked update that rewrote the qword without comparing
;     would lose those increments;
;   - LOCK ADD (word) beside plain-stored bytes in the same dword, LOCK XADD on a dword that
;     straddles two dwords of one qword (plain-stored bytes on either side), LOCK XADD on a dword
;     that straddles two qwords (a split lock: locked accesses only);
;   - LOCK INC, INC, DEC and SUB -1 on one counter (+2 per round);
;   - LOCK OR/AND, BTS/BTR (register bit offset), BTC twice, XOR twice on this CPU's own bits of
;     one shared dword, checking after each that its own bit is what it just made it: another
;     CPU's update that was not atomic would bring back or drop this CPU's bit;
;   - an XCHG spinlock guarding a plain load-increment-store of one more counter.
; The BSP then checks every total exactly. The number of CPUs is the dword after the "SMPN" tag
; (default 1), which a test patches to match the machine (-smp N on QEMU).
        org 0xF0000
%include "lib/pm32.inc"
%include "lib/apstart.inc"

ITER        equ 100000          ; rounds of the loop per CPU
TRAMPOLINE  equ 0x8000          ; where the APs start: startup IPI vector 0x08
started     equ 0x9000          ; APs that reached the trampoline
finished    equ 0x9004          ; APs done
lost        equ 0x9008          ; rounds in which a CPU found its own bit wrong
expected    equ 0x900C
xadd_count  equ 0x9040          ; LOCK XADD
cx_count    equ 0x9048          ; LOCK CMPXCHG
q8          equ 0x9050          ; LOCK CMPXCHG8B: low dword the count, byte 4+n CPU n's plain byte
wordbox     equ 0x9058          ; LOCK ADD word at +0; CPU 0 and 1 plain bytes at +2, +3
splitq      equ 0x9060          ; LOCK XADD dword at +2 (inside the qword); plain bytes +0,+1 (CPU 0,1), +6,+7 (CPU 2,3)
splitlock   equ 0x906E          ; LOCK XADD dword across the qword boundary at 0x9070
cpu_bits    equ 0x9078          ; CPU n: bit n (OR/AND), n+8 (BTS/BTR), n+16 (BTC), n+24 (XOR)
spin        equ 0x9080          ; XCHG spinlock
guarded     equ 0x9084          ; incremented with plain accesses under the spinlock
incdec      equ 0x9088          ; LOCK INC, INC, DEC, SUB -1

main:
        mov esi, title
        call puts
        COPY_TRAMPOLINE trampoline, trampoline_end, TRAMPOLINE
        mov edi, 0x9000
        mov ecx, 0x100 / 4
        xor eax, eax
        rep stosd
        cmp dword [smp_cpus], 4
        CHECK be, "at most 4 CPUs"
        cmp dword [fail_count], 0
        jne finish
        START_APS TRAMPOLINE
        xor esi, esi
        jmp worker

bsp_done:
        mov ebx, [smp_cpus]
        dec ebx
.wait:  pause
        cmp [finished], ebx
        jne .wait
        CHECK_EQ [started], ebx, "every AP started"
        CHECK_EQ [lost], 0, "no CPU found its own bit changed by another CPU"
        mov eax, [smp_cpus]
        imul eax, ITER
        mov [expected], eax
        mov esi, msg_total
        call puts
        mov eax, [xadd_count]
        call puthex
        call newline
        CHECK_EQ [xadd_count], [expected], "LOCK XADD counter exact"
        CHECK_EQ [cx_count], [expected], "LOCK CMPXCHG counter exact"
        CHECK_EQ [q8], [expected], "LOCK CMPXCHG8B counter exact"
        CHECK_EQ [splitq + 2], [expected], "LOCK XADD across two dwords of a qword exact"
        CHECK_EQ [splitlock], [expected], "LOCK XADD across two qwords (split lock) exact"
        CHECK_EQ [guarded], [expected], "XCHG spinlock: plain counter under it exact"
        CHECK_EQ [spin], 0, "XCHG spinlock free"
        CHECK_EQ [cpu_bits], 0, "every CPU's bits cleared"
        movzx eax, word [wordbox]
        movzx ecx, word [expected]
        mov [expected], ecx
        CHECK_EQ eax, [expected], "LOCK ADD word counter exact"
        mov eax, [smp_cpus]
        imul eax, ITER * 2
        mov [expected], eax
        CHECK_EQ [incdec], [expected], "LOCK INC/INC/DEC/SUB counter exact"
        ; each CPU's plain bytes: ITER increments, so ITER mod 256; CPUs that do not exist: 0
        mov ecx, 0
.bytes: mov edx, ITER & 0xFF
        cmp ecx, [smp_cpus]
        jb .exists
        xor edx, edx
.exists:
        mov [expected], edx
        movzx eax, byte [q8 + 4 + ecx]
        CHECK_EQ eax, [expected], "plain bytes beside LOCK CMPXCHG8B kept"
        cmp ecx, 2
        jae .high
        movzx eax, byte [wordbox + 2 + ecx]
        CHECK_EQ eax, [expected], "plain bytes beside LOCK ADD word kept"
        movzx eax, byte [splitq + ecx]
        CHECK_EQ eax, [expected], "plain bytes beside LOCK XADD across dwords kept"
        jmp .next
.high:  movzx eax, byte [splitq + 4 + ecx]
        CHECK_EQ eax, [expected], "plain bytes beside LOCK XADD across dwords kept"
.next:  inc ecx
        cmp ecx, 4
        jb .bytes
        jmp finish

; ---- every CPU: ESI = its number (initial APIC ID), flat DS; no stack used ----
worker:
        mov edi, 1
        mov ecx, esi
        shl edi, cl                     ; EDI = this CPU's bit
        mov ebp, ITER
.round:
        mov eax, 1
        lock xadd [xadd_count], eax

        mov eax, [cx_count]
.cx:    lea edx, [eax + 1]
        lock cmpxchg [cx_count], edx
        jnz .cx

        mov eax, [q8]
        mov edx, [q8 + 4]
.c8:    lea ebx, [eax + 1]
        mov ecx, edx                    ; the plain bytes as read: the compare must catch a change
        lock cmpxchg8b [q8]
        jnz .c8

        inc byte [q8 + 4 + esi]
        cmp esi, 2
        jae .own_high
        inc byte [wordbox + 2 + esi]
        inc byte [splitq + esi]
        jmp .own_done
.own_high:
        inc byte [splitq + 4 + esi]
.own_done:
        lock add word [wordbox], 1
        mov eax, 1
        lock xadd [splitq + 2], eax
        mov eax, 1
        lock xadd [splitlock], eax

        lock inc dword [incdec]
        lock inc dword [incdec]
        lock dec dword [incdec]
        lock sub dword [incdec], -1

        lock or [cpu_bits], edi
        test [cpu_bits], edi
        jz .lost
        mov eax, edi
        not eax
        lock and [cpu_bits], eax
        test [cpu_bits], edi
        jnz .lost
        lea ebx, [esi + 8]
        lock bts [cpu_bits], ebx
        jc .lost
        bt [cpu_bits], ebx
        jnc .lost
        lock btr [cpu_bits], ebx
        jnc .lost
        bt [cpu_bits], ebx
        jc .lost
        lea ebx, [esi + 16]
        lock btc [cpu_bits], ebx
        jc .lost
        lock btc [cpu_bits], ebx
        jnc .lost
        mov eax, edi
        shl eax, 24
        lock xor [cpu_bits], eax
        test [cpu_bits], eax
        jz .lost
        lock xor [cpu_bits], eax
        test [cpu_bits], eax
        jnz .lost

.acquire:
        mov eax, 1
        xchg [spin], eax
        test eax, eax
        jz .held
.busy:  pause
        cmp dword [spin], 0
        jne .busy
        jmp .acquire
.held:  mov eax, [guarded]
        inc eax
        mov [guarded], eax
        mov dword [spin], 0             ; released with a plain store, as Linux does

        dec ebp
        jnz .round
        jmp .done
.lost:  lock inc dword [lost]
.done:  test esi, esi
        jz bsp_done
        lock inc dword [finished]
.idle:  cli
        hlt
        jmp .idle

; ---- protected-mode entry of an AP, reached from the trampoline ----
ap_entry:
        mov ax, DATA_SEL
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov eax, 1
        cpuid
        shr ebx, 24
        mov esi, ebx
        jmp worker

; ---- the AP's start-up code, copied to TRAMPOLINE; runs at CS = 0x0800, IP = 0 ----
        bits 16
trampoline:
        cli
        xor ax, ax
        mov ds, ax
        lock inc dword [started]
        o32 lgdt [TRAMPOLINE + ap_gdt - trampoline]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword CODE_SEL:ap_entry
ap_gdt: dw GDT_SLOTS * 8 - 1
        dd GDT_BASE
trampoline_end:
        bits 32

title:     db "smp-locked: locked read-modify-writes against other CPUs' locked and plain accesses", 13, 10, 0
msg_total: db "  xadd counter ", 0
        align 4
        db "SMPN"
smp_cpus:  dd 1

%include "lib/reset.inc"
