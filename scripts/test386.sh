#!/usr/bin/env bash
# Fetches test386.asm (github.com/barotto/test386.asm, GPL: fetched at run time into target/, never
# committed), builds its 64 KiB ROM with nasm and runs Test386RomTest on it: POST 0xFF and the
# POST 0xEE output equal to the reference the project ships.
#   scripts/test386.sh            fetch (once), build, run the test
#   scripts/test386.sh --qemu     also run the ROM on qemu-system-i386 and print the POST codes it reached
# Environment: TEST386_DIR (checkout, default target/test386), TEST386_COMMIT (default pinned below),
# TEST386_ROM128=1 for the 128 KiB build (ROM128 equ 1: adds the TSS tests of POST 0x22).
# Needs git, nasm and Maven; --qemu needs qemu-system-i386.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${TEST386_DIR:-$repo/target/test386}
commit=${TEST386_COMMIT:-cfd052d1e64d5375dea5a681c1eadeed64ceda2c}

command -v nasm >/dev/null || { echo "test386.sh: nasm is needed (apt-get install nasm)" >&2; exit 2; }
if [[ ! -d $dir/.git ]]; then
    git clone --quiet https://github.com/barotto/test386.asm.git "$dir"
fi
git -C "$dir" checkout --quiet "$commit"

# The ROM reports POST codes on 0x190 (its default) and prints its text on 0xE9, where the test reads it.
build="$dir/build"
mkdir -p "$build"
rom128=0
[[ ${TEST386_ROM128:-0} == 1 ]] && rom128=1
sed "s/^OUT_PORT equ .*/OUT_PORT equ 0xE9/; s/^ROM128 equ .*/ROM128 equ $rom128/" "$dir/src/configuration.asm" \
    > "$build/configuration.asm"
nasm -i"$build/" -i"$dir/src/" -f bin "$dir/src/test386.asm" -w-all -o "$build/test386.bin"

export TEST386_ROM="$build/test386.bin"
export TEST386_EE_REFERENCE="$dir/test386-EE-reference.txt"
mvn -B -q -ntp ${MVN_FLAGS:-} -f "$repo/pom.xml" -pl plugins/x86 -am verify -Dtest=Test386RomTest \
    -Dsurefire.failIfNoSpecifiedTests=false

if [[ ${1:-} == --qemu ]]; then
    post="$build/qemu-post.bin"
    rm -f "$post"
    # The ROM halts when done or at a failing test; QEMU keeps running, so give it a fixed time.
    timeout 30 qemu-system-i386 -display none -monitor none -serial none -bios "$build/test386.bin" \
        -chardev file,id=post,path="$post" -device isa-debugcon,iobase=0x190,chardev=post || true
    echo "QEMU POST codes: $(xxd -p "$post" | tr -d '\n')"
fi
