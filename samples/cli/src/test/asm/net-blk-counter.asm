; net-blk-counter: a firmware ROM that drives a legacy virtio-blk and a legacy virtio-net card
; (found on PCI bus 0; it gives their BAR0 I/O addresses itself) and then, step after step,
; increments a counter, writes it to sector 0 of the disk, waits for the write to complete, sends
; it in an Ethernet frame (type 0x88B5, "TERN", the counter as a little-endian dword) and waits
; for the frame to be taken. The fault-tolerance output-commit test (FtNetBlkOutputCommitTest)
; counts the frames an observer receives and reads the counter on the disk.
; Build: nasm -f bin -I ../../../../../plugins/x86/guests/ -o ../resources/guests/net-blk-counter.rom net-blk-counter.asm
        bits 16
        cpu 386
        org 0

COUNT   equ 0x500               ; dword, the counter (segment 0, DS)
NETIO   equ 0x504               ; word, virtio-net's I/O base
BLKIO   equ 0x506               ; word, virtio-blk's I/O base
Q_BLK   equ 0x600               ; per queue: +0 size, +2 ring segment, +4 avail offset,
Q_RX    equ 0x610               ;   +6 used offset, +8 next avail index, +10 size - 1
Q_TX    equ 0x620
REQ     equ 0x50000             ; blk request: 16-byte header, 512 data bytes, status at +0x210
REQSEG  equ REQ >> 4
TXBUF   equ 0x51000             ; net: 10-byte legacy header, then a 60-byte frame
TXSEG   equ TXBUF >> 4
FRAME   equ 10
SPIN    equ 3000                ; iterations of the spin loop per step

start:
        cli
        cld
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov ds, ax
        mov dword [COUNT], 0
        mov cx, 0x1001          ; virtio-blk (transitional device id)
        call pci_find
        mov dx, 0xc100
        call pci_bar
        mov [BLKIO], dx
        mov cx, 0x1000          ; virtio-net
        call pci_find
        mov dx, 0xc000
        call pci_bar
        mov [NETIO], dx

        mov dx, [BLKIO]
        call dev_begin
        mov si, Q_BLK
        xor ax, ax
        mov bx, 0x2000
        call queue_setup
        call dev_ready
        mov dx, [NETIO]
        call dev_begin
        mov si, Q_RX
        xor ax, ax
        mov bx, 0x3000
        call queue_setup
        mov si, Q_TX
        mov ax, 1
        mov bx, 0x4000
        call queue_setup
        call dev_ready

        ; the request: OUT to sector 0; descriptors 0 (header and data) and 1 (status)
        mov ax, REQSEG
        mov es, ax
        xor di, di
        mov cx, 0x220 / 2
        xor ax, ax
        rep stosw
        mov dword [es:0], 1     ; VIRTIO_BLK_T_OUT
        mov dword [es:0x14], 'TERN'
        mov es, [Q_BLK + 2]
        mov dword [es:0], REQ
        mov dword [es:8], 16 + 512
        mov word [es:12], 1     ; NEXT
        mov word [es:14], 1
        mov dword [es:16], REQ + 0x210
        mov dword [es:24], 1
        mov word [es:28], 2     ; WRITE (the device writes the status)
        ; the frame: broadcast from 52:54:00:12:34:56, type 0x88B5; descriptor 0 of the tx queue
        mov ax, TXSEG
        mov es, ax
        xor di, di
        mov cx, 70 / 2
        xor ax, ax
        rep stosw
        mov dword [es:FRAME], 0xffffffff
        mov word [es:FRAME + 4], 0xffff
        mov dword [es:FRAME + 6], 0x12005452
        mov word [es:FRAME + 10], 0x5634
        mov word [es:FRAME + 12], 0xb588
        mov dword [es:FRAME + 14], 'TERN'
        mov es, [Q_TX + 2]
        mov dword [es:0], TXBUF
        mov dword [es:8], FRAME + 60

.step:  mov eax, [COUNT]
        inc eax
        mov [COUNT], eax
        mov bx, REQSEG
        mov es, bx
        mov [es:0x10], eax      ; the sector's first dword
        mov si, Q_BLK
        mov dx, [BLKIO]
        xor ax, ax
        call submit
        mov eax, [COUNT]
        mov bx, TXSEG
        mov es, bx
        mov [es:FRAME + 18], eax
        mov si, Q_TX
        mov dx, [NETIO]
        mov ax, 1
        call submit
        mov ecx, SPIN
.spin:  dec ecx
        jnz .spin
        jmp .step

; Finds device CX of vendor 0x1AF4 on bus 0 (slots 1..31): EBX = its config address. Halts if absent.
pci_find:
        mov ebx, 0x80000000
.next:  add ebx, 0x800
        cmp ebx, 0x80010000
        jae .none
        mov eax, ebx
        mov dx, 0xcf8
        out dx, eax
        mov dx, 0xcfc
        in eax, dx
        cmp ax, 0x1af4
        jne .next
        shr eax, 16
        cmp ax, cx
        jne .next
        ret
.none:  hlt
        jmp .none

; Gives the function at EBX the I/O base DX in BAR0 and enables I/O decode and bus mastering.
pci_bar:
        push dx
        mov eax, ebx
        or al, 0x10
        mov dx, 0xcf8
        out dx, eax
        pop ax
        push ax
        movzx eax, ax
        mov dx, 0xcfc
        out dx, eax
        mov eax, ebx
        or al, 0x04
        mov dx, 0xcf8
        out dx, eax
        mov dx, 0xcfc
        mov ax, 5
        out dx, ax
        pop dx
        ret

; Legacy virtio at I/O base DX: reset, ACKNOWLEDGE | DRIVER, no features.
dev_begin:
        push dx
        add dx, 0x12
        mov al, 0
        out dx, al
        mov al, 1
        out dx, al
        mov al, 3
        out dx, al
        pop dx
        push dx
        add dx, 4
        xor eax, eax
        out dx, eax
        pop dx
        ret

; DRIVER_OK for the device at DX.
dev_ready:
        push dx
        add dx, 0x12
        mov al, 7
        out dx, al
        pop dx
        ret

; Queue AX of the device at DX: rings in the 64 KiB segment BX (zeroed), state in [SI].
queue_setup:
        mov [si + 2], bx
        push dx
        add dx, 0x0e
        out dx, ax
        pop dx
        push dx
        add dx, 0x0c
        in ax, dx
        pop dx
        mov [si], ax
        dec ax
        mov [si + 10], ax
        inc ax
        shl ax, 4               ; the available ring follows 16-byte descriptors
        mov [si + 4], ax
        mov cx, [si]
        shl cx, 1
        add ax, cx
        add ax, 6 + 4095        ; the used ring starts on the next 4 KiB boundary
        and ax, 0xf000
        mov [si + 6], ax
        mov word [si + 8], 0
        mov es, bx
        xor di, di
        mov cx, 0x8000
        xor ax, ax
        rep stosw
        movzx eax, bx
        shr eax, 8              ; page frame number of the ring area
        push dx
        add dx, 0x08
        out dx, eax
        pop dx
        ret

; Makes descriptor 0 of queue AX (state [SI], device DX) available, notifies, waits until used.
submit:
        push ax
        mov es, [si + 2]
        mov di, [si + 4]
        mov cx, [si + 8]
        mov bx, cx
        and bx, [si + 10]
        shl bx, 1
        mov word [es:bx + di + 4], 0
        inc cx
        mov [si + 8], cx
        mov [es:di + 2], cx     ; avail.idx, after the entry it publishes
        pop ax
        push dx
        add dx, 0x10
        out dx, ax
        pop dx
        mov di, [si + 6]
.wait:  cmp [es:di + 2], cx
        jne .wait
        ret

%include "lib/reset.inc"
