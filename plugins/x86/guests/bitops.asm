; bitops.asm - the 386+ bit and exchange instructions the 286 vectors cannot reach (Intel SDM
; vol. 2): BT/BTS/BTR/BTC with memory bit offsets (register offsets address beyond and before
; the operand, immediate offsets are masked), SHLD/SHRD (count masking, count 0, CF/OF, 16-bit
; forms), BSF/BSR (ZF, index, 16-bit), CMPXCHG/CMPXCHG8B/XADD/BSWAP; then the flags and results
; the SDM leaves undefined, printed as "info" lines (not checks): the values this model chose.
        org 0xF0000
%include "lib/pm32.inc"
%include "lib/info.inc"

BITSTR    equ 0x20100             ; bit string; RAM below it is used by negative offsets
status  equ scratch + 0x00

CF_     equ 0x001
PF_     equ 0x004
AF_     equ 0x010
ZF_     equ 0x040
SF_     equ 0x080
OF_     equ 0x800

; SAVE_STATUS: the six status flags of the previous instruction into [status].
%macro SAVE_STATUS 0
        pushfd
        and dword [esp], STATUS_MASK
        pop dword [status]
%endmacro

main:
        mov esi, title
        call puts
        mov edi, BITSTR - 0x100
        mov ecx, 0x200 / 4
        xor eax, eax
        rep stosd

        ; ---- BT/BTS/BTR/BTC ----
        mov dword [BITSTR + 4], 8
        mov eax, 35
        bt [BITSTR], eax
        CHECK c, "BT m32, r32 = 35 tests bit 3 of the next dword"
        mov eax, 34
        bt [BITSTR], eax
        CHECK nc, "BT m32, r32 = 34 reads a clear bit"
        mov eax, -1
        bts [BITSTR + 8], eax
        CHECK nc, "BTS with offset -1: CF is the old bit"
        CHECK_EQ [BITSTR + 4], 0x80000008, "BTS with offset -1 sets bit 31 of the dword before"
        mov dword [BITSTR - 8], 0xFFFFFFFF
        mov eax, -33
        btr [BITSTR], eax
        CHECK c, "BTR with offset -33: CF is the old bit"
        CHECK_EQ [BITSTR - 8], 0x7FFFFFFF, "BTR with offset -33 clears bit 31 two dwords before"
        mov eax, 0x1234FFEF                 ; AX = -17; the upper half must not count
        btc word [BITSTR], ax
        CHECK nc, "BTC m16, r16 = -17: CF is the old bit"
        movzx eax, word [BITSTR - 4]
        CHECK_EQ eax, 0x8000, "BTC m16, r16 = -17 complements bit 15 two words before"
        mov dword [BITSTR], 0
        btc dword [BITSTR], 35
        CHECK_EQ [BITSTR], 8, "BTC m32, imm8 = 35: the immediate is masked to bit 3"
        CHECK_EQ [BITSTR + 4], 0x80000008, "  and the next dword is untouched"
        mov eax, 0x105
        bts [BITSTR], eax
        CHECK_EQ [BITSTR + 0x20], 0x20, "BTS with offset 0x105 sets bit 5 of the dword at +0x20"
        mov eax, 8
        mov ecx, 35
        bt eax, ecx
        CHECK c, "BT r32, r32 = 35 tests bit 3 of the register"
        xor eax, eax
        mov ecx, 1
        bt ecx, eax
        CHECK z, "BT leaves ZF set"
        or eax, 1
        bt ecx, eax
        CHECK nz, "BT leaves ZF clear"

        ; ---- SHLD/SHRD ----
        mov eax, 0x12345678
        mov ebx, 0x9ABCDEF0
        shld eax, ebx, 4
        CHECK c, "SHLD 4: CF is the last bit shifted out (bit 28)"
        CHECK_EQ eax, 0x23456789, "SHLD r32, r32, 4"
        mov eax, 0x12345678
        shrd eax, ebx, 8
        SAVE_STATUS
        CHECK_EQ eax, 0xF0123456, "SHRD r32, r32, 8"
        and dword [status], CF_ | PF_ | ZF_ | SF_
        CHECK_EQ [status], PF_ | SF_, "SHRD 8: CF = bit 7, SF/ZF/PF of the result"
        mov eax, 0x12345678
        mov cl, 32
        STATUS_PRESET STATUS_MASK
        shld eax, ebx, cl
        SAVE_STATUS
        CHECK_EQ eax, 0x12345678, "SHLD by CL = 32 (masked to 0) leaves the operand"
        CHECK_EQ [status], STATUS_MASK, "  and every flag"
        mov eax, 0x40000000
        mov ebx, 0x80000000
        mov cl, 33
        shld eax, ebx, cl
        SAVE_STATUS
        CHECK_EQ eax, 0x80000001, "SHLD by CL = 33 shifts by 1"
        and dword [status], CF_ | OF_
        CHECK_EQ [status], OF_, "SHLD 1: OF = the sign changed, CF = 0"
        mov eax, 1
        mov ebx, 1
        shrd eax, ebx, 1
        SAVE_STATUS
        CHECK_EQ eax, 0x80000000, "SHRD r32, r32, 1"
        and dword [status], CF_ | OF_
        CHECK_EQ [status], CF_ | OF_, "SHRD 1: CF = bit 0, OF = the sign changed"
        mov word [BITSTR], 0x1234
        mov bx, 0xABCD
        shld word [BITSTR], bx, 4
        CHECK c, "SHLD m16, r16, 4: CF = bit 12"
        movzx eax, word [BITSTR]
        CHECK_EQ eax, 0x234A, "SHLD m16, r16, 4"
        mov eax, 0x55551234
        shrd ax, bx, 16
        CHECK nc, "SHRD r16, r16, 16: CF = bit 15 of the destination"
        CHECK_EQ eax, 0x5555ABCD, "SHRD r16, r16, 16 leaves the source in the destination"

        ; ---- BSF/BSR ----
        mov ecx, 0x00010100
        bsf eax, ecx
        CHECK nz, "BSF of a non-zero source clears ZF"
        CHECK_EQ eax, 8, "BSF finds bit 8"
        bsr eax, ecx
        CHECK_EQ eax, 16, "BSR finds bit 16"
        mov eax, 0xFFFF0000
        mov ecx, 0x8000
        bsf ax, cx
        CHECK_EQ eax, 0xFFFF000F, "BSF r16 writes AX only"
        mov dword [BITSTR], 1
        bsr edx, [BITSTR]
        CHECK_EQ edx, 0, "BSR m32 with only bit 0 set"
        xor ecx, ecx
        bsf eax, ecx
        CHECK z, "BSF of zero sets ZF"
        bsr eax, ecx
        CHECK z, "BSR of zero sets ZF"

        ; ---- CMPXCHG / CMPXCHG8B / XADD / BSWAP ----
        mov dword [BITSTR], 5
        mov eax, 5
        mov ecx, 7
        cmpxchg [BITSTR], ecx
        CHECK z, "CMPXCHG equal: ZF set"
        CHECK_EQ [BITSTR], 7, "CMPXCHG equal: destination = source"
        CHECK_EQ eax, 5, "CMPXCHG equal: EAX unchanged"
        mov dword [BITSTR], 5
        mov eax, 4
        cmpxchg [BITSTR], ecx
        SAVE_STATUS
        CHECK_EQ eax, 5, "CMPXCHG unequal: EAX = destination"
        CHECK_EQ [BITSTR], 5, "CMPXCHG unequal: destination unchanged"
        CHECK_EQ [status], CF_ | PF_ | AF_ | SF_, "CMPXCHG flags are those of CMP EAX(4), dest(5)"
        mov byte [BITSTR + 8], 0x80
        mov al, 0x80
        mov dl, 0x11
        cmpxchg [BITSTR + 8], dl
        CHECK z, "CMPXCHG m8 equal: ZF set"
        movzx eax, byte [BITSTR + 8]
        CHECK_EQ eax, 0x11, "CMPXCHG m8 equal: destination = DL"
        mov dword [BITSTR], 0x77772222
        mov eax, 0xAAAA1111
        cmpxchg [BITSTR], cx
        CHECK_EQ eax, 0xAAAA2222, "CMPXCHG m16 unequal loads AX only"
        mov eax, 3
        mov ebx, 3
        mov ecx, 9
        cmpxchg ebx, ecx
        CHECK_EQ ebx, 9, "CMPXCHG r32 equal writes the register"
        mov dword [BITSTR + 0x10], 0x11111111
        mov dword [BITSTR + 0x14], 0x22222222
        mov eax, 0x11111111
        mov edx, 0x22222222
        mov ebx, 0x33333333
        mov ecx, 0x44444444
        STATUS_PRESET STATUS_MASK & ~ZF_
        cmpxchg8b [BITSTR + 0x10]
        SAVE_STATUS
        CHECK_EQ [status], STATUS_MASK, "CMPXCHG8B equal: ZF set, the other flags unaffected"
        CHECK_EQ [BITSTR + 0x10], 0x33333333, "CMPXCHG8B equal stores EBX"
        CHECK_EQ [BITSTR + 0x14], 0x44444444, "  and ECX"
        mov eax, 0
        STATUS_PRESET 0
        cmpxchg8b [BITSTR + 0x10]
        SAVE_STATUS
        CHECK_EQ [status], 0, "CMPXCHG8B unequal: ZF clear, the other flags unaffected"
        CHECK_EQ eax, 0x33333333, "CMPXCHG8B unequal loads EAX"
        CHECK_EQ edx, 0x44444444, "  and EDX"
        mov dword [BITSTR], 5
        mov eax, 3
        xadd [BITSTR], eax
        SAVE_STATUS
        CHECK_EQ [BITSTR], 8, "XADD m32: destination = sum"
        CHECK_EQ eax, 5, "XADD m32: source = old destination"
        CHECK_EQ [status], 0, "XADD flags are those of the addition"
        mov eax, 0xFF
        mov ebx, 0x01
        xadd bl, al
        SAVE_STATUS
        CHECK_EQ ebx, 0, "XADD r8, r8: destination = sum (carry out)"
        CHECK_EQ eax, 1, "XADD r8, r8: source = old destination"
        CHECK_EQ [status], CF_ | PF_ | AF_ | ZF_, "XADD 0x01 + 0xFF: CF PF AF ZF"
        mov eax, 3
        xadd eax, eax
        CHECK_EQ eax, 6, "XADD r32 with itself: the sum is written last"
        mov eax, 0x11223344
        bswap eax
        CHECK_EQ eax, 0x44332211, "BSWAP r32"

        ; ---- undefined by the SDM: the values this model chose ----
        mov eax, 0x10
        mov ebx, 0x10
        STATUS_PRESET STATUS_MASK
        mul ebx
        INFO_STATUS "MUL 0x10*0x10, all flags preset: OF SF ZF AF PF CF"
        mov eax, 0x10
        STATUS_PRESET 0
        imul eax, ebx
        INFO_STATUS "IMUL 0x10*0x10, flags preset clear"
        mov eax, 100
        xor edx, edx
        mov ebx, 7
        STATUS_PRESET STATUS_MASK
        div ebx
        INFO_STATUS "DIV, all flags preset"
        mov eax, 100
        xor edx, edx
        STATUS_PRESET 0
        idiv ebx
        INFO_STATUS "IDIV, flags preset clear"
        mov eax, 0x0F
        STATUS_PRESET STATUS_MASK
        and eax, 0x0F
        INFO_STATUS "AND (AF), all flags preset"
        mov eax, 0x08
        STATUS_PRESET STATUS_MASK
        shl eax, 1
        INFO_STATUS "SHL 0x08 by 1 (AF), all flags preset"
        mov eax, 0x40000000
        STATUS_PRESET 0
        shl eax, 2
        INFO_STATUS "SHL 0x40000000 by 2 (OF)"
        mov eax, 0x80000000
        STATUS_PRESET 0
        shr eax, 2
        INFO_STATUS "SHR 0x80000000 by 2 (OF)"
        mov eax, 0x40000000
        STATUS_PRESET 0
        rol eax, 2
        INFO_STATUS "ROL 0x40000000 by 2 (OF)"
        mov eax, 0x40000000
        STATUS_PRESET 0
        rcl eax, 2
        INFO_STATUS "RCL 0x40000000 by 2 (OF)"
        mov eax, 0x00000002
        STATUS_PRESET 0
        rcr eax, 2
        INFO_STATUS "RCR 0x00000002 by 2, CF clear (OF)"
        mov eax, 0x40000000
        xor ebx, ebx
        STATUS_PRESET 0
        shld eax, ebx, 2
        INFO_STATUS "SHLD 0x40000000 by 2 (OF, AF)"
        mov eax, 0x12345678
        mov ecx, 32
        STATUS_PRESET STATUS_MASK
        bt eax, ecx
        INFO_STATUS "BT of a clear bit, all flags preset"
        STATUS_PRESET 0
        bt eax, ecx
        INFO_STATUS "BT of a clear bit, flags preset clear"
        mov ecx, 0x80000000
        STATUS_PRESET STATUS_MASK & ~ZF_
        bsf eax, ecx
        INFO_STATUS "BSF 0x80000000, flags but ZF preset"
        mov ecx, 0x80000000
        STATUS_PRESET ZF_
        bsr eax, ecx
        INFO_STATUS "BSR 0x80000000, ZF preset"
        mov eax, 0x5A5A5A5A
        xor ecx, ecx
        bsf eax, ecx
        INFO eax, "BSF of zero: destination (0x5a5a5a5a before)"
        mov eax, 0x5A5A5A5A
        bsr eax, ecx
        INFO eax, "BSR of zero: destination (0x5a5a5a5a before)"
        mov eax, 0x0000000B
        STATUS_PRESET STATUS_MASK
        aaa
        INFO_STATUS "AAA AL=0x0b, all flags preset"
        mov eax, 0x00000005
        STATUS_PRESET STATUS_MASK & ~AF_
        aas
        INFO_STATUS "AAS AL=0x05, all flags but AF preset (no adjust)"
        mov eax, 0x0000004F
        STATUS_PRESET STATUS_MASK
        aam
        INFO_STATUS "AAM AL=0x4f, all flags preset"
        mov eax, 0x00000709
        STATUS_PRESET STATUS_MASK
        aad
        INFO_STATUS "AAD AX=0x0709, all flags preset"
        mov eax, 0x0000007A
        STATUS_PRESET 0
        daa
        INFO_STATUS "DAA AL=0x7a, flags preset clear (OF)"
        mov eax, 0x11223344
        db 0x66                             ; BSWAP with a 16-bit operand
        bswap eax
        INFO eax, "BSWAP with operand size 16 on 0x11223344"
        mov eax, 0x00001234
        mov ebx, 0x0000ABCD
        shld ax, bx, 20
        INFO eax, "SHLD r16 0x1234, 0xabcd by 20 (count > 16)"
        mov eax, 0x00001234
        shrd ax, bx, 20
        INFO eax, "SHRD r16 0x1234, 0xabcd by 20 (count > 16)"
        jmp finish

title:  db "bitops: BT* memory offsets, SHLD/SHRD, BSF/BSR, CMPXCHG/XADD/BSWAP, undefined flags", 13, 10, 0

%include "lib/reset.inc"
