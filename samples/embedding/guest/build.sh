#!/bin/sh
# Assembles shout.asm into the embedding sample's resources (nasm; the ROM is committed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
nasm -f bin -w+all -I ../../../plugins/x86/guests/lib/ -o ../src/main/resources/dev/tern/samples/embedding/shout.rom shout.asm
echo "built shout.rom ($(wc -c < ../src/main/resources/dev/tern/samples/embedding/shout.rom) bytes)"
