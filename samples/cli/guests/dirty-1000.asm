; dirty-1000: the fault-tolerance benchmark's 1,000-page dirtier, as a Multiboot ELF: dirty-writer.asm
; with 1,000 pages (0x1000000-0x13E7FFF) instead of 64. Every checkpoint carries the same 1,000
; dirty pages (the issue's pause goal is for at most 1,000).
%define PAGES 1000
%define NAME "dirty-1000"
%include "dirty-writer.asm"
