#!/bin/sh
# Builds the Multiboot ELF guests (nasm only, no linker) next to their sources and copies
# multiboot-check.elf into the CLI's test resources (MultibootBootTest boots it).
# Usage: guests/build.sh [name ...]   (default: all *.asm in this directory)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ $# -eq 0 ]; then set -- $(ls *.asm | sed 's/\.asm$//'); fi
for name in "$@"; do
    nasm -f bin -w+all -o "$name.elf" "$name.asm"
    echo "built $name.elf ($(wc -c < "$name.elf") bytes)"
done
mkdir -p ../src/test/resources/guests
cp multiboot-check.elf ../src/test/resources/guests/multiboot-check.elf
