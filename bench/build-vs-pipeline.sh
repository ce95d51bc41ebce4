#!/bin/sh
# Benchmark: `tdximage build` of a recipe with ~100 MB of packages from a warm
# cache (lock, fetch, unpack the packages, stage, write and compress the
# initramfs, measure, write every output) against the shell pipeline other
# image tools run on an already unpacked tree,
#   find . | LC_ALL=C sort | cpio -o -H newc --reproducible | gzip -n -9
# on the same tree (the build's own initramfs, unpacked). Prints the best wall
# time of RUNS runs of each, peak RSS (GNU time), and the ratio build/pipeline.
#   bench/build-vs-pipeline.sh BUILD_DIR [RECIPE] [RUNS]
# Needs the network the first time (to lock and fill the cache). Not a test:
# timings are never asserted.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
recipe=${2:-$here/recipes/debian-13-100mb.yaml}
runs=${3:-3}
tool=$build/cli/tdximage
agent=$build/examples/demo-agent/tdximage-demo-agent
[ -x "$tool" ] && [ -x "$agent" ] || { echo "build the tool and the demo agent first: cmake --build $build" >&2; exit 2; }
command -v cpio >/dev/null || { echo "cpio is not installed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lock=$work/bench.lock

echo "warming the cache (lock and fetch) ..."
"$tool" build "$recipe" --agent "$agent" --lock "$lock" --out "$work/warm" --quiet > /dev/null

now_ns() { date +%s%N; }
best() {  # best wall time in ms of RUNS runs of the given shell command
    b=
    i=0
    while [ "$i" -lt "$runs" ]; do
        t0=$(now_ns)
        sh -c "$1"
        t1=$(now_ns)
        ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
        i=$((i + 1))
    done
    echo "$b"
}
rss() {  # peak RSS in MB of one run of the given shell command (GNU time), or "?"
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v sh -c "$1" 2> "$work/time.txt" > /dev/null
        awk '/Maximum resident set size/ {printf "%d", $6 / 1024}' "$work/time.txt"
    else
        echo "?"
    fi
}

build_cmd="'$tool' build '$recipe' --agent '$agent' --lock '$lock' --out '$work/out' --locked --offline --quiet > /dev/null"
ours=$(best "$build_cmd")
ours_rss=$(rss "$build_cmd")

mkdir "$work/tree"
(cd "$work/tree" && gzip -dc "$work/out/initramfs.cpio.gz" | cpio -idm --quiet --no-absolute-filenames 2> /dev/null)
size=$(du -sb "$work/tree" | cut -f1)
pipe_cmd="cd '$work/tree' && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet | gzip -n -9 > '$work/pipeline.cpio.gz'"
theirs=$(best "$pipe_cmd")
theirs_rss=$(rss "$pipe_cmd")

echo "tree: $((size / 1000000)) MB, $(find "$work/tree" | wc -l) entries; best of $runs runs"
printf '%-44s %8s ms  peak RSS %s MB\n' "tdximage build (warm cache, all outputs)" "$ours" "$ours_rss"
printf '%-44s %8s ms  peak RSS %s MB (largest process)\n' "find | sort | cpio | gzip -n -9" "$theirs" "$theirs_rss"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio build/pipeline: %.2f (target: at most 1.00)\n", a / b }'
