#!/bin/sh
# Runs the libFuzzer targets of a TDXIMAGE_FUZZ=ON build for a while each.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
#
# Seeds are generated into BUILD_DIR/fuzz-work/seeds; each target fuzzes a
# writable corpus in BUILD_DIR/fuzz-work/<target>/corpus (kept between runs,
# so a longer run starts where the last one stopped) and writes what it finds
# (crash-*, leak-*, timeout-*, oom-*) and its log into
# BUILD_DIR/fuzz-work/<target>/. Exits 1 naming every artifact when a target
# found something, 2 on usage or setup trouble. Without TARGETs: all of them.
set -eu

usage() {
    echo "usage: $0 BUILD_DIR SECONDS_PER_TARGET [TARGET...]" >&2
    exit 2
}
[ $# -ge 2 ] || usage
build=$(cd "$1" && pwd) || usage
seconds=$2
shift 2
case $seconds in '' | *[!0-9]*) usage ;; esac
here=$(cd "$(dirname "$0")" && pwd)
fuzz_bin=$build/tests/fuzz
work=$build/fuzz-work

all="tdvf firmware_volume kernel_pe tcg_event_log cpio_newc apkindex apk apt_index deb recipe lockfile published_documents lock_check cache_import"
[ $# -gt 0 ] || set -- $all

# The longest input worth trying: the seeds' size class, with room to grow.
max_len() {
    case $1 in
        recipe | apkindex | apt_index | lockfile | lock_check) echo 16384 ;;
        *) echo 65536 ;;
    esac
}

for target in "$@"; do
    case " $all " in *" $target "*) ;; *) echo "$0: unknown target '$target' (targets: $all)" >&2; exit 2 ;; esac
    [ -x "$fuzz_bin/tdximage_fuzz_$target" ] || {
        echo "$0: $fuzz_bin/tdximage_fuzz_$target is missing: configure with -DTDXIMAGE_FUZZ=ON and build the target tdximage-fuzzers" >&2
        exit 2
    }
done

mkdir -p "$work"
"$fuzz_bin/tdximage_fuzz_seeds" "$work/seeds" >/dev/null

# Sanitizer reports end the run with a stack; leaks are findings too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:quarantine_size_mb=64}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

found=""
printf '%-16s %12s %8s %8s %s\n' target executions cov: seconds result
for target in "$@"; do
    dir=$work/$target
    mkdir -p "$dir/corpus"
    cp -R "$work/seeds/$target/." "$dir/corpus/"
    before=$(ls "$dir" | grep -E '^(crash|leak|timeout|oom)-' | tr '\n' ' ' || true)
    start=$(date +%s)
    status=0
    "$fuzz_bin/tdximage_fuzz_$target" "$dir/corpus" "$here/regressions/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=512 -max_len="$(max_len "$target")" \
        -artifact_prefix="$dir/" -print_final_stats=1 >"$dir/fuzz.log" 2>&1 || status=$?
    elapsed=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+' "$dir/fuzz.log" | tail -n 1 | cut -d' ' -f2)
    new=""
    for a in $(ls "$dir" | grep -E '^(crash|leak|timeout|oom)-' || true); do
        case " $before " in *" $a "*) ;; *) new="$new $dir/$a" ;; esac
    done
    result=ok
    if [ -n "$new" ] || [ "$status" -ne 0 ]; then
        result="FOUND (exit $status):${new:- see $dir/fuzz.log}"
        found="$found
  $target:${new:- exit $status, see $dir/fuzz.log}"
    fi
    printf '%-16s %12s %8s %8s %s\n' "$target" "${execs:-?}" "${cov:-?}" "$elapsed" "$result"
done

if [ -n "$found" ]; then
    echo "findings (reproduce: BUILD_DIR/tests/fuzz/tdximage_fuzz_<target> ARTIFACT):$found" >&2
    exit 1
fi
