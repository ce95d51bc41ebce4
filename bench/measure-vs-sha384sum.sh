#!/bin/sh
# Benchmark: `tdximage measure` on OVMF + a large kernel + a large initrd,
# against the floor of hashing the same bytes once with sha384sum.
#   bench/measure-vs-sha384sum.sh BUILD_DIR [INITRD_MIB] [RUNS]
# Needs the Debian inputs (cmake --build BUILD_DIR --target measure-debian
# fetches them). Prints the best wall time of RUNS runs for each side and
# their ratio; the target is a ratio of at most 1.5. Not a test: timings are
# never asserted.
set -eu
build=$1
mib=${2:-512}
runs=${3:-5}
inputs=$build/test-inputs
tool=$build/cli/tdximage
[ -f "$inputs/ready" ] || { echo "run: cmake --build $build --target measure-debian" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Incompressible, deterministic initrd content.
openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f -iv 0 -nosalt -in /dev/zero 2>/dev/null |
    head -c $((mib * 1048576)) > "$work/initrd"

now_ns() { date +%s%N; }
best() {  # best RUNS wall time in ms of the given command
    b=
    i=0
    while [ $i -lt "$runs" ]; do
        t0=$(now_ns); "$@" >/dev/null; t1=$(now_ns)
        ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$b" ] || [ $ms -lt "$b" ]; then b=$ms; fi
        i=$((i + 1))
    done
    echo "$b"
}

cat "$inputs/OVMF.fd" "$inputs/vmlinuz" "$work/initrd" > /dev/null  # warm the page cache
floor=$(best sha384sum "$inputs/OVMF.fd" "$inputs/vmlinuz" "$work/initrd")
ours=$(best "$tool" measure --ovmf "$inputs/OVMF.fd" --kernel "$inputs/vmlinuz" --initrd "$work/initrd" \
    --cmdline "console=ttyS0" --memory 4G --profile ubuntu-25.04)
bytes=$(cat "$inputs/OVMF.fd" "$inputs/vmlinuz" "$work/initrd" | wc -c)
echo "input bytes                  $bytes (OVMF + kernel + ${mib} MiB initrd)"
echo "sha384sum (floor), best of $runs  ${floor} ms"
echo "tdximage measure, best of $runs   ${ours} ms"
awk -v a="$ours" -v b="$floor" 'BEGIN { printf "ratio                        %.2f (target <= 1.50)\n", a / b }'
