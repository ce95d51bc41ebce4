#!/bin/sh
# End to end: `tdximage build recipes/debian-13.yaml --agent <demo agent>`
# against the real Debian mirror, then
#   1. the same build in another directory, with another umask, time zone,
#      locale and CPU count (taskset), offline from the lock, gives
#      byte-identical outputs;
#   2. measurements.json equals `tdximage measure` run on the output files;
#   3. SOURCE_DATE_EPOCH changes the initramfs (and nothing else of the boot
#      files), as the canonical form says;
#   4. `tdximage verify` of the recipe and lock reproduces the published
#      directory, and refuses one built with other agent arguments, naming
#      the initramfs;
#   5. `launch-qemu.sh --no-tdx --tcg` boots the image under QEMU (TCG) with
#      the firmware it ships, the agent prints its marker on the serial
#      console, /init reports the agent's exit status and powers the VM off,
#      and launch-qemu.sh exits with that status: the image's agent is built
#      with --agent-arg 7, and the demo agent exits with its first argument.
#
#   build-boot-test.sh TDXIMAGE DEMO_AGENT REPO_DIR WORK_DIR
# Exit status: 0 pass, 1 failure, 77 skipped (the Debian mirror is
# unreachable or QEMU is missing, outside CI; with CI=true both fail).
set -eu

if [ $# -ne 4 ]; then
    echo "usage: $0 TDXIMAGE DEMO_AGENT REPO_DIR WORK_DIR" >&2
    exit 2
fi
tdximage=$1
agent=$2
repo=$3
work=$4
boot_timeout=${TDXIMAGE_ORACLE_BOOT_TIMEOUT:-300}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tdximage
recipe=$repo/recipes/debian-13.yaml

say() { printf 'build-boot: %s\n' "$*"; }
die() { printf 'build-boot: FAIL: %s\n' "$*" >&2; exit 1; }
skip() {
    if [ "${CI:-}" = true ]; then die "$* (CI must run this test)"; fi
    printf 'build-boot: SKIP: %s\n' "$*" >&2
    exit 77
}

for t in qemu-system-x86_64 timeout cmp diff; do
    command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

rm -rf "$work"
mkdir -p "$work/a" "$work/b/deeper" "$work/agent-copy"
lock=$work/debian-13.yaml.lock

say "build 1: lock against the Debian mirror and build"
if ! (cd "$work/a" && umask 022 && TZ=UTC LC_ALL=C "$tdximage" build "$recipe" --agent "$agent" --agent-arg 7 \
        --lock "$lock" --cache-dir "$cache" --out "$work/a/out" --quiet > "$work/build1.txt" 2> "$work/build1.err"); then
    cat "$work/build1.err" >&2
    if grep -q -e "Could not resolve" -e "Couldn't connect" -e "Connection timed out" -e "Timeout was reached" "$work/build1.err"; then
        skip "the Debian mirror is unreachable"
    fi
    die "the first build failed"
fi
cat "$work/build1.txt"
out=$work/a/out
for f in vmlinuz initramfs.cpio.gz OVMF.fd mr_td.hex rtmr1.hex rtmr2.hex measurements.json manifest.json sbom.spdx.json launch-qemu.sh; do
    [ -s "$out/$f" ] || die "output $f is missing or empty"
done

say "build 2: another directory, umask 077, TZ=Asia/Kolkata, LC_ALL=C.UTF-8, one CPU, offline from the lock"
cp "$agent" "$work/agent-copy/"
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
(cd "$work/b/deeper" && umask 077 && TZ=Asia/Kolkata LC_ALL=C.UTF-8 $pin "$tdximage" build "$recipe" \
    --agent "$work/agent-copy/$(basename "$agent")" --agent-arg 7 --lock "$lock" --cache-dir "$cache" \
    --out ../out2 --locked --offline --quiet > /dev/null) || die "the second build failed"
diff -r "$out" "$work/b/out2" > "$work/diff.txt" || { cat "$work/diff.txt" >&2; die "the two builds differ"; }
say "the two builds are byte-identical ($(ls "$out" | wc -l) files)"

say "measurements.json equals tdximage measure on the output files"
# debian-13.yaml: cmdline console=ttyS0, 2G, 2 vCPUs, profile ubuntu-25.04.
"$tdximage" measure --ovmf "$out/OVMF.fd" --kernel "$out/vmlinuz" --initrd "$out/initramfs.cpio.gz" \
    --cmdline "console=ttyS0" --memory 2G --cpus 2 --profile ubuntu-25.04 --json > "$work/measure.json"
cmp "$work/measure.json" "$out/measurements.json" || die "measurements.json differs from tdximage measure"

say "verify: an operator's rebuild from recipe and lock reproduces the published directory"
"$tdximage" verify "$recipe" --lock "$lock" --cache-dir "$cache" --agent "$agent" --agent-arg 7 --expect-dir "$out" --offline \
    > "$work/verify.txt" || { cat "$work/verify.txt" >&2; die "verify did not reproduce the published image"; }
grep -q "^verified: MR_TD, RTMR1, RTMR2 of debian-13 match" "$work/verify.txt" || die "verify did not say verified"
"$tdximage" verify "$recipe" --lock "$lock" --cache-dir "$cache" --agent "$agent" --agent-arg 4 --expect-dir "$out" --offline \
    > "$work/verify-other.txt" && die "verify accepted an image built with other agent arguments"
grep -q "initrd) differs: the initramfs" "$work/verify-other.txt" || die "verify did not name the initramfs"

say "SOURCE_DATE_EPOCH=1 changes the initramfs only"
SOURCE_DATE_EPOCH=1 "$tdximage" build "$recipe" --agent "$agent" --agent-arg 7 --lock "$lock" --cache-dir "$cache" \
    --out "$work/sde" --locked --offline --quiet > /dev/null || die "the SOURCE_DATE_EPOCH build failed"
cmp -s "$out/initramfs.cpio.gz" "$work/sde/initramfs.cpio.gz" && die "SOURCE_DATE_EPOCH did not change the initramfs"
cmp "$out/vmlinuz" "$work/sde/vmlinuz" || die "SOURCE_DATE_EPOCH changed the kernel"
cmp "$out/OVMF.fd" "$work/sde/OVMF.fd" || die "SOURCE_DATE_EPOCH changed the firmware"
cmp "$out/mr_td.hex" "$work/sde/mr_td.hex" || die "SOURCE_DATE_EPOCH changed MR_TD"
grep -q '"source_date_epoch_from": "environment"' "$work/sde/manifest.json" || die "the manifest does not say where the date came from"

say "boot: launch-qemu.sh --no-tdx --tcg of an image whose agent exits 7 exits 7 (up to ${boot_timeout}s)"
set +e
timeout "$boot_timeout" "$out/launch-qemu.sh" --no-tdx --tcg > "$work/serial.log" 2>&1 < /dev/null
rc=$?
set -e
tr -d '\r' < "$work/serial.log" > "$work/serial.txt"
grep -q "tdximage-demo-agent: hello from Linux" "$work/serial.txt" || { tail -n 40 "$work/serial.txt" >&2; die "the agent's marker is not on the console (exit $rc)"; }
grep -q "tdximage-init: agent exited with status 7$" "$work/serial.txt" || { tail -n 40 "$work/serial.txt" >&2; die "/init did not report the agent's exit status"; }
[ "$rc" -eq 7 ] || { tail -n 20 "$work/serial.txt" >&2; die "launch-qemu.sh exited $rc, not the agent's status 7"; }
grep -q "launch-qemu.sh: the agent exited with status 7$" "$work/serial.txt" || { tail -n 20 "$work/serial.txt" >&2; die "launch-qemu.sh did not name the agent's status"; }
grep "tdximage-demo-agent\|agent exited" "$work/serial.txt"
say "PASS"
