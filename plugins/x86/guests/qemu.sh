#!/usr/bin/env bash
# Runs guest ROMs on QEMU the way README.md describes and prints each transcript followed by a
# one-line summary (exit status, and how many ok / WARN / FAIL / info lines it printed), for the
# side-by-side comparison with Tern (CornerCaseRomTest, GuestProgramsTest, FastpathGuestTest).
#
#   ./qemu.sh                    # the corner-case ROMs: bitops stacks tasks paging frames
#   ./qemu.sh debug fastpath     # any others by name
#
# fastpath.rom needs RDTSCP, so it runs with -cpu pentium2,+rdtscp; the others on QEMU's default.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v qemu-system-i386 >/dev/null || { echo "qemu.sh: qemu-system-i386 is not installed" >&2; exit 2; }
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(bitops stacks tasks paging frames)
for n in "${names[@]}"; do
  [[ -f "$n.rom" ]] || { echo "qemu.sh: no $n.rom (run ./build.sh)" >&2; exit 2; }
  cpu=()
  [[ "$n" == fastpath ]] && cpu=(-cpu pentium2,+rdtscp)
  out=$(timeout 20 qemu-system-i386 -nographic "${cpu[@]}" -bios "$n.rom" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -monitor none -no-reboot 2>&1 | tr -d '\r')
  status=${PIPESTATUS[0]}
  printf '%s\n' "$out"
  count() { grep -c "^  $1 " <<<"$out"; }
  echo "== $n.rom on $(qemu-system-i386 --version | head -1): exit $status," \
       "$(count ok) ok, $(count WARN) WARN, $(count FAIL) FAIL, $(count info) info"
done
