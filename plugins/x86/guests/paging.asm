; paging.asm - 2-level 32-bit paging: identity map, translation, #PF with CR2 and error codes
; (not present, read-only with CR0.WP, user access to supervisor pages), accessed/dirty bits,
; INVLPG and CR3 reload, 4 MiB PSE pages; accessed without dirty on a read and dirty on the
; next write, no dirty bit in a page table's PDE, dirty in a 4 MiB page's PDE, a read-only or
; supervisor PDE above a writable user PTE, CMPXCHG's write to a read-only page when unequal.
        org 0xF0000
%include "lib/pm32.inc"
%include "lib/info.inc"

PD      equ 0x10000
PT0     equ 0x11000             ; identity map of 0..4 MiB (user, writable)
PT1     equ 0x12000             ; the test window at 4 MiB
WINDOW  equ 0x400000
FRAME_A equ 0x50000
FRAME_B equ 0x51000
FRAME_C equ 0x52000
PT5     equ 0x13000             ; PDE 5 (20 MiB): user, read-only, over a writable user PTE
PT6     equ 0x14000             ; PDE 6 (24 MiB): supervisor, over a user PTE
RO_PDE  equ 0x1400000
SUP_PDE equ 0x1800000

main:
        mov esi, title
        call puts
        call setup_tss
        ; PD: entry 0 -> PT0, entry 1 -> PT1, rest not present.
        mov edi, PD
        mov ecx, 3 * 1024
        xor eax, eax
        rep stosd
        mov dword [PD], PT0 | 7
        mov dword [PD + 4], PT1 | 7
        mov edi, PT0
        mov eax, 7
        mov ecx, 1024
.ident: stosd
        add eax, 0x1000
        loop .ident
        ; Window pages: 0 -> FRAME_A RW supervisor, 1 not present, 2 read-only supervisor,
        ; 3 supervisor RW (for the user-access test), 4 read-only user.
        mov dword [PT1], FRAME_A | 3
        mov dword [PT1 + 8], FRAME_B | 1
        mov dword [PT1 + 12], FRAME_B | 3
        mov dword [PT1 + 16], FRAME_B | 5
        mov dword [PT1 + 20], FRAME_C | 3
        mov dword [PT1 + 24], 0                 ; not present, for the PDE accessed bit
        mov dword [PD + 5 * 4], PT5 | 5
        mov dword [PD + 6 * 4], PT6 | 3
        mov dword [PD + 7 * 4], PT5 | 3         ; its PTE 1 is not present
        mov edi, PT5
        mov ecx, 2 * 1024
        xor eax, eax
        rep stosd
        mov dword [PT5], FRAME_C | 7
        mov dword [PT6], FRAME_C | 7
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000      ; PG | WP
        mov cr0, eax
        mov eax, cr0
        shr eax, 31
        CHECK_EQ eax, 1, "CR0.PG enabled with an identity-mapped kernel"

        mov dword [WINDOW + 0x10], 0xA5A5F00D
        CHECK_EQ [FRAME_A + 0x10], 0xA5A5F00D, "linear 0x400010 maps to physical 0x50010"
        mov eax, [PT1]
        and eax, 0x60
        CHECK_EQ eax, 0x60, "the write set the PTE's accessed and dirty bits"
        mov eax, [PD + 4]
        and eax, 0x20
        CHECK_EQ eax, 0x20, "the PDE's accessed bit is set"

        ; Not present: read and write.
        ARM_FAULT .np_read
        mov eax, [WINDOW + 0x1234]
.np_read:
        CHECK_EQ [fault_vector], 14, "read of a not-present page raises #PF"
        CHECK_EQ [fault_cr2], WINDOW + 0x1234, "CR2 holds the faulting linear address"
        CHECK_EQ [fault_error], 0, "error code 0: not present, read, supervisor"
        ARM_FAULT .np_write
        mov dword [WINDOW + 0x1FFC], 1
.np_write:
        CHECK_EQ [fault_error], 2, "error code 2: not present, write"
        CHECK_EQ [fault_cr2], WINDOW + 0x1FFC, "CR2 for the write"

        ; Read-only page with CR0.WP=1 faults for ring 0; with WP=0 the write succeeds.
        mov eax, [WINDOW + 0x2000]
        ARM_FAULT .ro
        mov dword [WINDOW + 0x2008], 0x1111
.ro:
        CHECK_EQ [fault_vector], 14, "ring-0 write to a read-only page with WP=1 faults"
        CHECK_EQ [fault_error], 3, "error code 3: present, write"
        mov eax, cr0
        and eax, ~0x10000
        mov cr0, eax
        mov dword [WINDOW + 0x2008], 0x2222
        CHECK_EQ [FRAME_B + 8], 0x2222, "with WP=0 ring 0 may write read-only pages"
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax

        ; Ring 3: a supervisor page faults with U=1; a read-only user page faults on write.
        mov eax, user_reads_supervisor
        call call_ring3
        CHECK_EQ [fault_vector], 14, "ring-3 read of a supervisor page raises #PF"
        CHECK_EQ [fault_error], 5, "error code 5: present, user, read"
        CHECK_EQ [fault_cs], CODE3_SEL, "the fault came from ring 3"
        CHECK_EQ ebx, 0x4242, "ring 3 resumed after the handler"
        mov dword [FRAME_B], 0x1000
        mov eax, user_writes_readonly
        call call_ring3
        CHECK_EQ [fault_error], 7, "error code 7: present, user, write"
        CHECK_EQ ebx, 0x1005, "ring 3 could read its read-only page"

        ; INVLPG: remap the window's first page; INVLPG makes the new frame visible.
        mov dword [FRAME_B + 0x10], 0xBBBB0001
        mov eax, [WINDOW + 0x10]
        mov dword [PT1], FRAME_B | 3
        invlpg [WINDOW]
        CHECK_EQ [WINDOW + 0x10], 0xBBBB0001, "after INVLPG the new mapping is used"
        mov dword [PT1], FRAME_A | 3
        mov eax, cr3
        mov cr3, eax
        CHECK_EQ [WINDOW + 0x10], 0xA5A5F00D, "a CR3 reload flushes the TLB too"

        ; Accessed and dirty: a read sets A only; a write through the same (cached) translation
        ; still sets D; a page table's PDE never gets D; a write with WP=0 to a read-only page.
        mov eax, [WINDOW + 0x5000]
        mov eax, [PT1 + 20]
        and eax, 0x60
        CHECK_EQ eax, 0x20, "a read sets the PTE's accessed bit, not its dirty bit"
        mov dword [WINDOW + 0x5000], 1
        mov eax, [PT1 + 20]
        and eax, 0x60
        CHECK_EQ eax, 0x60, "a write after the read sets the dirty bit"
        mov eax, [PD + 4]
        and eax, 0x40
        CHECK_EQ eax, 0, "the PDE of a page table gets no dirty bit"
        mov eax, [PT1 + 8]
        and eax, 0x40
        CHECK_EQ eax, 0x40, "the WP=0 write to a read-only page set its dirty bit"

        ; Rights are those of the PDE and the PTE together.
        ARM_FAULT .ro_pde
        mov dword [RO_PDE], 1
.ro_pde:
        CHECK_EQ [fault_error], 3, "ring-0 write (WP=1), read-only PDE over a writable PTE: #PF 3"
        mov eax, cr0
        and eax, ~0x10000
        mov cr0, eax
        mov dword [RO_PDE], 0x0DD
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax
        CHECK_EQ [FRAME_C], 0x0DD, "  with WP=0 the write goes through"
        mov eax, user_writes_ro_pde
        call call_ring3
        CHECK_EQ [fault_error], 7, "ring-3 write, read-only PDE over a writable PTE: #PF 7"
        mov eax, user_reads_sup_pde
        call call_ring3
        CHECK_EQ [fault_error], 5, "ring-3 read, supervisor PDE over a user PTE: #PF 5"

        ; CMPXCHG writes its destination also when the compare fails.
        mov ecx, 0x77
        mov eax, 0x12345678
        ARM_FAULT .cmpxchg
        cmpxchg [WINDOW + 0x2000], ecx
.cmpxchg:
        CHECK_EQ [fault_error], 3, "CMPXCHG (unequal) to a read-only page: #PF 3"
        CHECK_EQ eax, 0x12345678, "  EAX unchanged by the faulting CMPXCHG"

        ; Not specified: whether a walk that faults on a not-present PTE marks the PDE accessed.
        and dword [PD + 7 * 4], ~0x20
        ARM_FAULT .pde_a
        mov eax, [0x1C00000 + 0x1000]
.pde_a: mov eax, [PD + 7 * 4]
        and eax, 0x20
        INFO eax, "PDE accessed bit after a #PF on a not-present PTE"

        ; 4 MiB page (PSE): PDE 2 maps linear 8 MiB to physical 0.
        mov eax, 1
        cpuid
        bt edx, 3
        jnc .no_pse
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        mov dword [PD + 8], 0x00000083
        mov eax, [0x800000 + 0xFFFF0]
        CHECK_EQ eax, [0xFFFF0], "a 4 MiB PSE page maps 8 MiB to physical 0"
        mov eax, [PD + 8]
        and eax, 0x60
        CHECK_EQ eax, 0x20, "the read set the 4 MiB PDE's accessed bit only"
        mov dword [0x800000 + FRAME_C + 0x100], 1
        mov eax, [PD + 8]
        and eax, 0x60
        CHECK_EQ eax, 0x60, "a write sets the 4 MiB PDE's dirty bit"
        ARM_FAULT .pse_fault
        mov eax, [0xC00000]
.pse_fault:
        CHECK_EQ [fault_cr2], 0xC00000, "beyond the mapped 4 MiB pages: #PF"
.no_pse:
        call finish

        ; ---- ring-3 code (its page is user-accessible through PT0) ----
user_reads_supervisor:
        mov ebx, 0
        mov dword [fault_resume], .resume
        mov eax, [WINDOW + 0x3000]
        mov ebx, 0x1111
.resume:
        add ebx, 0x4242
        int RETURN_VECTOR

user_writes_readonly:
        mov ebx, [WINDOW + 0x4000]
        mov dword [fault_resume], .resume
        mov dword [WINDOW + 0x4000], 0
.resume:
        add ebx, 5
        int RETURN_VECTOR

user_writes_ro_pde:
        ARM_FAULT .resume
        mov dword [RO_PDE], 2
.resume:
        int RETURN_VECTOR

user_reads_sup_pde:
        ARM_FAULT .resume
        mov eax, [SUP_PDE]
.resume:
        int RETURN_VECTOR

title:  db "paging: 2-level paging, #PF error codes, A/D bits, INVLPG, PSE", 13, 10, 0

%include "lib/reset.inc"
