#!/bin/sh
# The shipped recipes by name from an installed tool, offline:
#   1. `cmake --install` puts recipes/*.yaml, recipes/README.md and
#      recipes/keys/ under PREFIX/share/tdximage/recipes, byte for byte;
#   2. the installed tool, run from an unrelated directory, shows and checks
#      a shipped recipe given by name (`recipe show debian-13` reads the
#      installed file; `recipe check alpine` finds the installed keys), and
#      names the shipped recipes for a mistyped one;
#   3. tdximage_add_image(RECIPE debian-13) passes the name to the tool
#      (no dependency on a file called debian-13) with the lock beside the
#      calling CMakeLists.txt.
#
#   install-recipes-test.sh TDXIMAGE_BUILD_DIR SOURCE_DIR WORK_DIR
# Exit status: 0 pass, 1 failure.
set -eu

if [ $# -ne 3 ]; then
    echo "usage: $0 TDXIMAGE_BUILD_DIR SOURCE_DIR WORK_DIR" >&2
    exit 2
fi
build=$1
repo=$2
work=$3

say() { printf 'install-recipes: %s\n' "$*"; }
die() { printf 'install-recipes: FAIL: %s\n' "$*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/elsewhere"
prefix=$work/prefix
data=$prefix/share/tdximage/recipes

say "install $build into $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; die "cmake --install failed"; }
for f in "$repo"/recipes/*.yaml "$repo"/recipes/README.md "$repo"/recipes/keys/*; do
    rel=${f#"$repo"/recipes/}
    cmp "$f" "$data/$rel" || die "the install lacks recipes/$rel or it differs"
done

say "the installed tool finds shipped recipes by name"
tool=$prefix/bin/tdximage
cd "$work/elsewhere"
env -u TDXIMAGE_RECIPE_PATH "$tool" recipe show debian-13 > "$work/show.txt" 2> "$work/show.err" || { cat "$work/show.err" >&2; die "recipe show debian-13 failed"; }
grep -qx "recipe:    debian-13" "$work/show.txt" || die "recipe show debian-13 shows another recipe: $(cat "$work/show.txt")"
grep -qx "files:     $data/debian-13.yaml" "$work/show.txt" || die "recipe show debian-13 did not read the installed file: $(grep files: "$work/show.txt")"
env -u TDXIMAGE_RECIPE_PATH "$tool" recipe check alpine > "$work/check.txt" 2>&1 || { cat "$work/check.txt" >&2; die "recipe check alpine failed (installed keys?)"; }
grep -q "^alpine: ok, sha256 " "$work/check.txt" || die "recipe check alpine: $(cat "$work/check.txt")"
if env -u TDXIMAGE_RECIPE_PATH "$tool" recipe show debain-13 > /dev/null 2> "$work/typo.err"; then die "a mistyped name was accepted"; fi
grep -qF "did you mean 'debian-13'? (shipped: alpine, debian-13, debian-13-debug, ubuntu-24.04; in $data)" "$work/typo.err" \
    || die "the message for a mistyped name: $(cat "$work/typo.err")"
[ -z "$(ls -A "$work/elsewhere")" ] || die "showing and checking wrote files: $(ls -A "$work/elsewhere")"

say "tdximage_add_image(RECIPE debian-13) passes the name on"
src=$work/project
mkdir -p "$src"
: > "$src/agent"
cat > "$src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(shipped-recipe NONE)
find_package(tdximage REQUIRED)
tdximage_add_image(img RECIPE debian-13 AGENT agent)
CMAKE
cmake -S "$src" -B "$work/project-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" > "$work/configure.log" 2>&1 \
    || { cat "$work/configure.log" >&2; die "configuring a project with RECIPE debian-13 failed"; }
grep -qF "$tool build debian-13 --agent $src/agent --out $work/project-build/img --lock $src/debian-13.yaml.lock" "$work/project-build/build.ninja" \
    || die "the image step does not pass the name and the lock: $(grep -F "$tool build" "$work/project-build/build.ninja")"
ninja -C "$work/project-build" -n img > "$work/dry-run.log" 2>&1 || { cat "$work/dry-run.log" >&2; die "ninja wants a file called debian-13"; }

say "PASS"
