#!/bin/sh
# Builds every guest ROM (64 KiB flat images) and copies them into the x86 plugin's resources.
# Usage: guests/build.sh [name ...]   (default: all *.asm in this directory)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
res="$here/../src/main/resources/dev/tern/x86/guests"
mkdir -p "$res"
cd "$here"
if [ $# -eq 0 ]; then set -- $(ls *.asm | sed 's/\.asm$//'); fi
for name in "$@"; do
    nasm -f bin -w+all -I lib/ -o "$name.rom" "$name.asm"
    size=$(wc -c < "$name.rom")
    if [ "$size" -ne 65536 ]; then
        echo "$name.rom is $size bytes, expected 65536" >&2
        exit 1
    fi
    cp "$name.rom" "$res/$name.rom"
    echo "built $name.rom"
done
