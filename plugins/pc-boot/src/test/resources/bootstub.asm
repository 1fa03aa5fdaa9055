; Reference source for dev.tern.pc.boot.BootStub, assembled with:  nasm -f bin -o bootstub.bin bootstub.asm
; The Java emitter must produce exactly these bytes (BootStubTest). 64 KiB ROM mapped at 0xF0000.
%define ENTRY        0x1000000
%define BOOT_PARAMS  0x10000
%define STACK        0x10000
%define ROM_BASE     0xF0000
%define LAPIC        0xFEE00000

        org 0
gdt:    dq 0
        dq 0
        dq 0x00CF9B000000FFFF          ; 0x10 flat code, accessed bit preset
        dq 0x00CF93000000FFFF          ; 0x18 flat data
gdtr:   dw 4*8-1
        dd ROM_BASE + gdt
        times 0x30-($-$$) db 0xFF

        bits 16
real:   cli
        cld
        in al, 0x92                    ; fast A20
        or al, 2
        and al, 0xFE
        out 0x92, al
        o32 lgdt [cs:gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x10:(ROM_BASE + pm32)

        bits 32
pm32:   mov eax, 0x18
        mov ds, eax
        mov es, eax
        mov fs, eax
        mov gs, eax
        mov ss, eax
        mov eax, 1                     ; local APIC present? then virtual wire mode
        cpuid
        test edx, strict dword 0x200
        jz .noapic
        mov dword [LAPIC + 0x0F0], 0x1FF
        mov dword [LAPIC + 0x350], 0x700
        mov dword [LAPIC + 0x360], 0x400
.noapic:
        mov esp, STACK
        mov esi, BOOT_PARAMS
        xor ebx, ebx
        xor ebp, ebp
        xor edi, edi
        jmp 0x10:ENTRY

        times 0xFFF0-($-$$) db 0xFF
        bits 16
reset:  cli
        jmp 0xF000:real
        times 0x10000-($-$$) db 0xFF
