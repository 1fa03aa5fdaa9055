#!/usr/bin/env bash
# Runs a test386.asm ROM (github.com/barotto/test386.asm, GPL) that you built yourself from its
# repository, following its README: this project ships none of its code, no ROM and no recipe to
# build one. Runs Test386RomTest on it: POST 0xFF and, when a reference file is given and the ROM
# prints its text on port 0xE9, the POST 0xEE output equal to that reference.
#   scripts/test386.sh ROM [REFERENCE]          e.g. scripts/test386.sh ~/test386.bin ~/test386-EE-reference.txt
#   scripts/test386.sh --qemu ROM [REFERENCE]   also run the ROM on qemu-system-i386 and print the POST codes it reached
# Needs Maven; --qemu needs qemu-system-i386.
set -euo pipefail

qemu=0
if [[ ${1:-} == --qemu ]]; then
    qemu=1
    shift
fi
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: scripts/test386.sh [--qemu] ROM [REFERENCE]" >&2; exit 2; }
rom=$(realpath "$1")
[[ -f $rom ]] || { echo "test386.sh: no ROM at $1" >&2; exit 2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export TEST386_ROM="$rom"
if [[ $# -eq 2 ]]; then
    export TEST386_EE_REFERENCE
    TEST386_EE_REFERENCE=$(realpath "$2")
fi
mvn -B -q -ntp ${MVN_FLAGS:-} -f "$repo/pom.xml" -pl plugins/x86 -am verify -Dtest=Test386RomTest \
    -Dsurefire.failIfNoSpecifiedTests=false

if [[ $qemu == 1 ]]; then
    post=$(mktemp)
    # The ROM halts when done or at a failing test; QEMU keeps running, so give it a fixed time.
    timeout 30 qemu-system-i386 -display none -monitor none -serial none -bios "$rom" \
        -chardev file,id=post,path="$post" -device isa-debugcon,iobase=0x190,chardev=post || true
    echo "QEMU POST codes: $(xxd -p "$post" | tr -d '\n')"
    rm -f "$post"
fi
