#!/usr/bin/env bash
# Fetches a stock Debian bookworm i386 kernel and busybox-static and builds the Tern test guest:
#   <out>/vmlinuz       the linux-image-6.1.0-*-686 bzImage
#   <out>/initrd.cpio   busybox + virtio modules + /init (dev.tern.pc.boot.GuestBuilder)
# <out> defaults to guest/ at the repository root (git-ignored); the .deb files are cached in <out>/debs.
# Idempotent: does nothing when both outputs exist (delete them, or pass --force, to rebuild).
# Needs a Debian (bookworm) host with apt; adds the i386 architecture when missing (root or sudo).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
force=0
out="$repo/guest"
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) out=$arg ;;
    esac
done
debs="$out/debs"

if [[ $force == 0 && -s "$out/vmlinuz" && -s "$out/initrd.cpio" ]]; then
    echo "fetch-guest: $out/vmlinuz and $out/initrd.cpio already exist"
    exit 0
fi

as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi
}

if ! command -v apt-get >/dev/null; then
    echo "fetch-guest: apt-get not found; this script needs a Debian host" >&2
    exit 1
fi
if [[ $(dpkg --print-architecture) != i386 ]] && ! dpkg --print-foreign-architectures | grep -qx i386; then
    echo "fetch-guest: adding the i386 architecture"
    as_root dpkg --add-architecture i386
    # One stale mirror index (seen: bookworm-security i386) must not stop us: the download decides.
    as_root apt-get update -q || echo "fetch-guest: apt-get update reported errors; trying anyway" >&2
fi

# linux-image-686 is the metapackage; its dependency names the current ABI, e.g. linux-image-6.1.0-50-686.
resolve_kernel() {
    apt-cache depends linux-image-686:i386 2>/dev/null \
        | awk '/Depends: linux-image-[0-9]/ { sub(/:i386$/, "", $2); print $2; exit }'
}
kernel_pkg=$(resolve_kernel)
if [[ -z $kernel_pkg ]]; then
    as_root apt-get update -q || echo "fetch-guest: apt-get update reported errors; trying anyway" >&2
    kernel_pkg=$(resolve_kernel)
fi
if [[ -z $kernel_pkg ]]; then
    echo "fetch-guest: cannot resolve linux-image-686:i386; run apt-get update" >&2
    exit 1
fi

mkdir -p "$debs"
kernel_deb=$(ls "$debs"/"${kernel_pkg}"_*_i386.deb 2>/dev/null | head -n1 || true)
busybox_deb=$(ls "$debs"/busybox-static_*_i386.deb 2>/dev/null | head -n1 || true)
if [[ -z $kernel_deb || -z $busybox_deb ]]; then
    echo "fetch-guest: downloading $kernel_pkg:i386 and busybox-static:i386 into $debs"
    # As root apt warns that the download runs unsandboxed; that is harmless here.
    (cd "$debs" && apt-get download -q "$kernel_pkg:i386" busybox-static:i386)
    kernel_deb=$(ls "$debs"/"${kernel_pkg}"_*_i386.deb | head -n1)
    busybox_deb=$(ls "$debs"/busybox-static_*_i386.deb | head -n1)
fi
ls -l "$kernel_deb" "$busybox_deb"

# Compile the pc-boot module and get its runtime class path.
mvn -q ${MVN_FLAGS:-} -f "$repo/pom.xml" -pl plugins/pc-boot -am compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
cp="$repo/plugins/pc-boot/target/classes:$(cat "$repo/plugins/pc-boot/target/classpath.txt")"

java=${JAVA:-}
if [[ -z $java ]]; then
    for candidate in /usr/lib/jvm/*25*/bin/java "$(command -v java || true)"; do
        if [[ -x $candidate ]]; then java=$candidate; break; fi
    done
fi
"$java" -cp "$cp" dev.tern.pc.boot.GuestBuilder --kernel-deb "$kernel_deb" --busybox-deb "$busybox_deb" --out "$out"
ls -l "$out/vmlinuz" "$out/initrd.cpio"
