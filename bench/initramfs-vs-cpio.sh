#!/bin/sh
# Benchmark: our initramfs writer (FsTree -> write_newc -> compress, in one
# process) against the shell pipeline other image tools use,
#   find . | LC_ALL=C sort | cpio -o -H newc --reproducible | gzip -n -9
#   bench/initramfs-vs-cpio.sh BUILD_DIR [TREE_DIR] [RUNS]
# Our side is tests/tools/newc_pack.cc (BUILD_DIR/tests/tdximage_test_newc_pack,
# or the binary named by $NEWC_PACK). Without TREE_DIR a tree of about 100 MB
# of real files is made from /usr/share/doc and /usr/lib/x86_64-linux-gnu.
# Prints the best wall time of RUNS runs for each side, the peak RSS of the
# largest process (GNU time, when installed), the ratio ours/pipeline, and
# gzip alone: our write_newc+compress phase (the archive streams into the
# compressor, so the phase includes writing the archive) against
# `gzip -n -9` on the same cpio bytes (the target is a ratio of at most 1.10).
# Not a test: timings are never asserted.
set -eu
build=$1
tree=${2:-}
runs=${3:-3}
pack=${NEWC_PACK:-$build/tests/tdximage_test_newc_pack}
[ -x "$pack" ] || { echo "no newc_pack at $pack (build it, or set NEWC_PACK)" >&2; exit 2; }
command -v cpio >/dev/null || { echo "cpio is not installed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$tree" ]; then
    tree=$work/tree
    mkdir -p "$tree/usr/share" "$tree/usr/lib/x86_64-linux-gnu"
    cp -a /usr/share/doc "$tree/usr/share/"
    # Shared libraries in name order until the tree holds about 100 MB.
    total=$(du -sb "$tree" | cut -f1)
    for f in $(find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f | LC_ALL=C sort); do
        [ "$total" -ge 100000000 ] && break
        cp -a "$f" "$tree/usr/lib/x86_64-linux-gnu/"
        total=$((total + $(stat -c %s "$f")))
    done
fi

now_ns() { date +%s%N; }
best() {  # best wall time in ms of RUNS runs of the given shell command
    b=
    i=0
    while [ $i -lt "$runs" ]; do
        t0=$(now_ns); sh -c "$1"; t1=$(now_ns)
        ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$b" ] || [ $ms -lt "$b" ]; then b=$ms; fi
        i=$((i + 1))
    done
    echo "$b"
}
rss() {  # peak RSS in KiB of the largest process of the shell command, or "n/a"
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v sh -c "$1" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
    else
        echo "n/a"
    fi
}

pipeline="cd '$tree' && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet | gzip -n -9"
ours="'$pack' '$tree' gzip 9 2>/dev/null"
tar cf - -C "$tree" . > /dev/null  # warm the page cache
entries=$(find "$tree" | wc -l)
bytes=$(du -sb --apparent-size "$tree" | cut -f1)
t_pipe=$(best "$pipeline > '$work/pipeline.cpio.gz'")
t_ours=$(best "$ours > '$work/ours.cpio.gz'")
r_pipe=$(rss "$pipeline")
r_ours=$(rss "$ours")

# gzip alone on identical bytes: our archive uncompressed, then each gzip.
"$pack" "$tree" none 0 > "$work/ours.cpio" 2>/dev/null
t_gzip=$(best "gzip -n -9 < '$work/ours.cpio' > /dev/null")
c_ours=
i=0
while [ $i -lt "$runs" ]; do
    ms=$("$pack" "$tree" gzip 9 2>&1 >/dev/null | sed -n 's/.*write_newc+compress \([0-9]*\) ms.*/\1/p')
    if [ -z "$c_ours" ] || [ "$ms" -lt "$c_ours" ]; then c_ours=$ms; fi
    i=$((i + 1))
done

echo "tree                              $entries entries, $bytes bytes ($tree)"
echo "find|sort|cpio|gzip -9, best of $runs  ${t_pipe} ms, peak RSS ${r_pipe} KiB, $(wc -c < "$work/pipeline.cpio.gz") bytes"
echo "newc_pack gzip 9, best of $runs        ${t_ours} ms, peak RSS ${r_ours} KiB, $(wc -c < "$work/ours.cpio.gz") bytes"
awk -v a="$t_ours" -v b="$t_pipe" 'BEGIN { printf "ratio ours/pipeline               %.2f\n", a / b }'
echo "gzip -n -9 on our cpio            ${t_gzip} ms"
echo "our write_newc+compress(gzip, 9)  ${c_ours} ms"
awk -v a="$c_ours" -v b="$t_gzip" 'BEGIN { printf "ratio ours/gzip                   %.2f (target <= 1.10)\n", a / b }'
