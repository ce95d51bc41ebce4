#!/bin/sh
# The "Try it" blocks of the documentation work as written: every shell
# command of a ```sh block that follows a paragraph starting with "Try it"
# (docs/*.md, README.md) is run from the top of the source tree with the
# built tool, and must exit 0 - unless the list below says why it cannot
# run here. A command that is in neither list fails the test, so a new one
# is either run or skipped on purpose.
#
#   doc-commands-test.sh TDXIMAGE SOURCE_DIR
# Exit status: 0 pass, 1 failure.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 TDXIMAGE SOURCE_DIR" >&2
    exit 2
fi
tool=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$2

# What runs here: the tool's commands that need no network, QEMU or input
# files (first word after the tool).
RUN="--help --version profiles recipe man completion"
# What does not, and why (first word after the tool, or the program).
skip_reason() {
    case "$1" in
        build|lock|fetch|verify) echo "network: resolves against or downloads from a package mirror, and takes minutes" ;;
        acpi) echo "QEMU: runs qemu-system-x86_64" ;;
        measure|inspect|eventlog|diff) echo "input files: needs a firmware, kernel, event log or image that the block does not make" ;;
        cache) echo "state: works on the user's download cache" ;;
        launch-qemu.sh) echo "QEMU: boots the image" ;;
        cmake) echo "build: the test runs on a finished build" ;;
        *) echo "" ;;
    esac
}

say() { printf 'doc-commands: %s\n' "$*"; }
fail=0
ran=0
skipped=""

# Prints the commands of the Try-it blocks of one Markdown file, one per
# line: continuation lines joined, comments after "  #" removed.
try_it_commands() {
    awk '
        /^```/ {
            if (inblock) { inblock = 0; next }
            if (tryit && $0 ~ /^```(sh|bash|console)?$/) { inblock = 1; tryit = 0; next }
            tryit = 0; next
        }
        inblock {
            line = $0
            sub(/[ \t]+#.*$/, "", line)
            if (line ~ /\\$/) { sub(/\\$/, "", line); cont = cont line; next }
            line = cont line; cont = ""
            if (line ~ /[^ \t]/) print line
            next
        }
        /^Try it/ { tryit = 1; next }
        /^$/ { next }
        { if (tryit && $0 ~ /^[^`]/) next }
    ' "$1"
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cd "$repo"
blocks=0
for doc in docs/*.md README.md; do
    cmds=$(try_it_commands "$doc")
    [ -n "$cmds" ] || continue
    blocks=$((blocks + 1))
    # One command per line; read from a here-document so the counters stay in this shell.
    while IFS= read -r cmd; do
        prog=${cmd%% *}
        rest=${cmd#"$prog"}
        word=$(printf '%s\n' "$rest" | awk '{ print $1 }')
        if [ "$prog" = build/cli/tdximage ] || [ "$prog" = tdximage ]; then
            # The documented path is where the build puts the tool.
            case "$prog:$tool" in
                build/cli/tdximage:*/cli/tdximage | tdximage:*) ;;
                *) say "FAIL: $doc: '$prog' is not where the build puts the tool ($tool)" >&2; fail=1 ;;
            esac
            case " $RUN " in
                *" $word "*)
                    # As written, quoting included, with the built tool.
                    if sh -c "exec \"\$0\"$rest" "$tool" > "$log" 2>&1; then
                        say "ok: $doc: $cmd"
                        ran=$((ran + 1))
                    else
                        say "FAIL: $doc: '$cmd' exited $?:" >&2
                        sed 's/^/    /' "$log" >&2
                        fail=1
                    fi
                    continue ;;
            esac
        else
            word=$(basename "$prog")
        fi
        reason=$(skip_reason "$word")
        if [ -z "$reason" ]; then
            say "FAIL: $doc: '$cmd' is neither run nor skipped: add '$word' to RUN or to skip_reason()" >&2
            fail=1
        else
            skipped="$skipped
  $doc: $cmd
      ($reason)"
        fi
    done <<EOF_CMDS
$cmds
EOF_CMDS
done

if [ -n "$skipped" ]; then
    say "skipped (cannot run here):$skipped"
fi
[ "$blocks" -gt 0 ] || { say "FAIL: no Try-it block found in docs/*.md or README.md" >&2; exit 1; }
[ "$ran" -gt 0 ] || { say "FAIL: no command of the Try-it blocks was run" >&2; exit 1; }
[ "$fail" -eq 0 ] || exit 1
say "PASS ($ran commands run)"
