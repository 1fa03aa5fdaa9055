#!/usr/bin/env bash
# Fuzzes one Jazzer target for real (coverage-guided, JAZZER_FUZZ=1); `mvn verify` only replays the
# committed seeds and earlier findings. A finding is written into the target's seed directory
# (src/test/resources/<package>/<Class>Inputs/<method>/crash-*), where every later `mvn verify`
# replays it; the generated corpus goes to MODULE/.cifuzz-corpus/ (git-ignored).
#   scripts/fuzz.sh TARGET SECONDS        e.g.  scripts/fuzz.sh saved-state 120
#   scripts/fuzz.sh list
set -euo pipefail

# target  module  class#method
targets="
lz4                plugins/lz4         Lz4DecodeFuzzTest#decode
xbzrle             plugins/xbzrle      XbzrleDecodeFuzzTest#decode
shm-control        plugins/transports  ControlStreamFuzzTest#decode
saved-state        kernel              SavedStateFuzzTest#wholeStream
saved-state-section kernel             SavedStateFuzzTest#section
ram-part           kernel              RamPartFuzzTest#receive
replay-log         kernel              ReplayLogFuzzTest#read
ft-wire            kernel              FtWireFuzzTest#receive
qmp                kernel              QmpInputFuzzTest#messages
option-text        kernel              ConfigTextFuzzTest#parse
virtio-ring        reference-devices   VirtioRingFuzzTest#kick
plugin-manifest    kernel              PluginManifestFuzzTest#read
multifd-announcement kernel            MultifdHelloFuzzTest#announcement
multifd-hello      kernel              MultifdHelloFuzzTest#hello
device-option      samples/cli         MachineInputFuzzTest#deviceOption
snapshot-load      samples/cli         MachineInputFuzzTest#snapshot
migration-stream   samples/cli         MachineInputFuzzTest#migration
gdb-packets        samples/cli         GdbPacketFuzzTest#packets
hmp-lines          samples/cli         HmpLineFuzzTest#lines
"

if [[ ${1:-} == list ]]; then
    echo "$targets" | awk 'NF { print $1 }'
    exit 0
fi
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS (scripts/fuzz.sh list names the targets)}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
line=$(echo "$targets" | awk -v t="$target" '$1 == t')
if [[ -z $line ]]; then
    echo "unknown target '$target'; known: $(echo "$targets" | awk 'NF { printf "%s ", $1 }')" >&2
    exit 2
fi
read -r _ module test <<<"$line"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Jazzer fuzzes the first @FuzzTest it meets, so exactly one is selected. Its libFuzzer arguments
# come as jazzer.internal.arg.N (0 is argv[0]); the last -max_total_time wins over @FuzzTest's 5m.
# -timeout bounds one input (a hang is a finding); the JVM heap is capped because the host is shared.
# Every Tern class is instrumented for coverage, not only the test's own package: the samples/cli
# targets drive the kernel, the CPU and the devices, which Maven hands over as jars.
JAZZER_FUZZ=1 exec mvn -B -q -ntp -o -pl "$module" -am verify \
    -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtern.jazzer.hooks=true \
    -Djazzer.instrument='dev.tern.**' \
    -Djazzer.internal.arg.0=fuzz \
    -Djazzer.internal.arg.1=-max_total_time="$seconds" \
    -Djazzer.internal.arg.2=-timeout=10 \
    -Dtern.test.argLine="-Xss8m -Xmx1g -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED"
