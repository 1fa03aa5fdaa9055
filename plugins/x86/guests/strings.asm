; strings.asm - MOVS/STOS/LODS/CMPS/SCAS with REP/REPE/REPNE, DF=1, segment overrides and
; 16- vs 32-bit address sizes (SI/DI/CX wrap and untouched upper halves).
        org 0xF0000
%include "lib/pm32.inc"

SRC     equ 0x20000
DST     equ 0x21000
SEG_BASE equ 0x30000            ; base of the test data segment at FREE_SEL

main:
        mov esi, title
        call puts
        ; Source pattern: bytes 0..255.
        mov edi, SRC
        xor eax, eax
.fill:  stosb
        inc al
        jnz .fill
        CHECK_EQ edi, SRC + 256, "STOSB advances EDI"

        ; REP MOVSB forward.
        cld
        mov esi, SRC
        mov edi, DST
        mov ecx, 100
        rep movsb
        CHECK_EQ ecx, 0, "REP MOVSB counts ECX down to 0"
        CHECK_EQ esi, SRC + 100, "REP MOVSB advances ESI"
        CHECK_EQ edi, DST + 100, "REP MOVSB advances EDI"
        CHECK_EQ [DST + 96], 0x63626160, "REP MOVSB copied the bytes"

        ; REP MOVSD backwards (DF=1) over an overlapping range: shift 16 dwords up by one.
        mov esi, SRC + 15 * 4
        mov edi, SRC + 16 * 4
        mov ecx, 16
        std
        rep movsd
        cld
        CHECK_EQ esi, SRC - 4, "DF=1 decrements ESI by 4 per dword"
        CHECK_EQ [SRC + 4], 0x03020100, "backward overlapping copy moved dword 0 to 1"
        CHECK_EQ [SRC + 64], 0x3F3E3D3C, "backward overlapping copy moved dword 15 to 16"
        ; restore the pattern
        mov edi, SRC
        xor eax, eax
.fill2: stosb
        inc al
        jnz .fill2

        ; REP STOSW, and a zero count does nothing.
        mov edi, DST
        mov ax, 0xBEEF
        mov ecx, 3
        rep stosw
        CHECK_EQ [DST], 0xBEEFBEEF, "REP STOSW stores words"
        CHECK_EQ [DST + 4], 0x0706BEEF, "REP STOSW stops after ECX words"
        xor ecx, ecx
        mov edi, DST
        rep stosd
        CHECK_EQ edi, DST, "REP with ECX=0 does nothing"

        ; LODSD / LODSB with DF=1.
        mov esi, SRC + 8
        lodsd
        CHECK_EQ eax, 0x0B0A0908, "LODSD loads a dword"
        std
        lodsb
        cld
        and eax, 0xFF
        CHECK_EQ eax, 0x0C, "LODSB loads a byte"
        CHECK_EQ esi, SRC + 11, "LODSB with DF=1 decrements ESI"

        ; REPE CMPSB: stops after the first mismatch.
        mov esi, SRC
        mov edi, DST
        mov ecx, 64
        push esi
        push edi
        push ecx
        rep movsb
        pop ecx
        pop edi
        pop esi
        mov byte [DST + 20], 0xFF
        repe cmpsb
        setne al
        movzx eax, al
        CHECK_EQ eax, 1, "REPE CMPSB ends with ZF=0 on a mismatch"
        CHECK_EQ ecx, 64 - 21, "REPE CMPSB stops after the mismatching byte"
        CHECK_EQ esi, SRC + 21, "ESI points past the mismatch"
        mov esi, SRC
        mov edi, DST
        mov ecx, 20
        repe cmpsb
        sete al
        movzx eax, al
        CHECK_EQ eax, 1, "REPE CMPSB over equal bytes ends with ZF=1"
        CHECK_EQ ecx, 0, "and runs ECX to 0"

        ; REPNE SCASB finds a byte; REPE SCASD skips equal dwords.
        mov edi, SRC
        mov al, 0x42
        mov ecx, 256
        repne scasb
        CHECK_EQ edi, SRC + 0x43, "REPNE SCASB stops after the match"
        CHECK_EQ ecx, 256 - 0x43, "REPNE SCASB count"
        mov edi, DST
        mov eax, 0x5A5A5A5A
        mov ecx, 8
        rep stosd
        mov dword [DST + 16], 0
        mov edi, DST
        mov ecx, 8
        repe scasd
        CHECK_EQ edi, DST + 20, "REPE SCASD stops after the first different dword"
        CHECK_EQ ecx, 3, "REPE SCASD count"

        ; Segment override on the source: FS base SEG_BASE.
        mov eax, FREE_SEL
        mov ecx, 0x0000FFFF
        mov edx, 0x00CF9303     ; base 0x00030000
        call set_descriptor
        mov dword [SEG_BASE + 0x10], 0x11223344
        mov ax, FREE_SEL
        mov fs, ax
        mov esi, 0x10
        mov edi, DST
        mov ecx, 4
        fs rep movsb
        CHECK_EQ [DST], 0x11223344, "FS: override applies to the MOVS source"
        ; ES cannot be overridden: with ES = FS, STOSB writes through the FS base.
        mov ax, FREE_SEL
        mov es, ax
        mov edi, 0x20
        mov al, 0x77
        fs stosb
        mov ax, DATA_SEL
        mov es, ax
        movzx eax, byte [SEG_BASE + 0x20]
        CHECK_EQ eax, 0x77, "STOS always writes ES:EDI"

        ; 16-bit addressing: only SI/DI/CX are used and updated; upper halves survive.
        mov esi, 0xABCD0000 | (SRC & 0xFFFF)
        mov edi, 0x12340000 | ((DST + 0x100) & 0xFFFF)
        mov ecx, 0x55550004
        mov ax, FREE_SEL + 8    ; DS/ES base 0x20000 so 16-bit offsets reach SRC/DST
        push eax
        mov eax, FREE_SEL + 8
        mov ecx, 0x0000FFFF
        mov edx, 0x00CF9302     ; base 0x00020000
        call set_descriptor
        pop eax
        mov ecx, 0x55550004
        push ds
        mov ds, ax
        mov es, ax
        a16 rep movsb
        mov ax, DATA_SEL
        mov es, ax
        pop ds
        CHECK_EQ ecx, 0x55550000, "a16 REP uses CX and keeps ECX[31:16]"
        CHECK_EQ esi, 0xABCD0004, "a16 MOVSB updates SI only"
        CHECK_EQ edi, 0x12341104, "a16 MOVSB updates DI only"
        CHECK_EQ [DST + 0x100], 0x03020100, "a16 MOVSB copied through DS:SI"

        ; 16-bit wrap: SI = 0xFFFF, DF=0 -> next access at DS:0000.
        mov byte [0x20000 + 0xFFFF], 0xA1
        mov byte [0x20000], 0xA2
        mov esi, 0xFFFF
        push ds
        mov ax, FREE_SEL + 8
        mov ds, ax
        a16 lodsb
        mov ah, al
        a16 lodsb
        pop ds
        and eax, 0xFFFF
        CHECK_EQ eax, 0xA1A2, "a16 LODSB wraps SI from 0xFFFF to 0"
        CHECK_EQ esi, 1, "SI wrapped to 1"

        call finish

title:  db "strings: MOVS/STOS/LODS/CMPS/SCAS, REP prefixes, DF, overrides, a16", 13, 10, 0

%include "lib/reset.inc"
