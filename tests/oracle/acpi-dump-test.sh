#!/bin/sh
# Oracle test for `tdximage acpi dump`: boots a real Debian kernel through
# Debian 13's OVMF under QEMU (TCG), lets the guest print the ACPI fw_cfg
# files it sees (/sys/firmware/qemu_fw_cfg/by_name/.../raw, module
# qemu_fw_cfg), and checks that `tdximage acpi dump` with the same QEMU
# options, without any guest, writes byte-identical etc/table-loader,
# etc/acpi/rsdp and etc/acpi/tables. Two machine shapes:
#   a: -machine q35,accel=tcg -cpu max -m 1G -smp 2 -net none, dumped with the
#      guest's whole command line (-bios, -kernel, -initrd, -append,
#      -nographic included: accepted and harmless);
#   b: -machine q35 -cpu max -m 3G -smp 3 -net none (RAM split below/above
#      4 GiB; no accelerator named, so tdximage adds -accel tcg), dumped with
#      the machine options only.
# And it has teeth: a dump with another -smp, or another PCIEXBAR base than
# the firmware's, must differ from the guest's tables.
#
#   acpi-dump-test.sh TDXIMAGE INPUTS_DIR WORK_DIR
# INPUTS_DIR holds OVMF-trixie.fd, vmlinuz, qemu_fw_cfg.ko and busybox
# (tests/fixtures/fetch-debian-inputs.sh).
# Exit status: 0 pass, 1 mismatch or failure, 77 skipped (a tool is missing,
# outside CI; with CI=true a missing tool fails).
set -eu

if [ $# -ne 3 ]; then
    echo "usage: $0 TDXIMAGE INPUTS_DIR WORK_DIR" >&2
    exit 2
fi
tdximage=$1
inputs=$2
work=$3
boot_timeout=${TDXIMAGE_ORACLE_BOOT_TIMEOUT:-300}
# edk2 >= 2023 (Debian 13's 2025.02) programs PCIEXBAR to 0xe0000000; Debian
# 12's 2022.11 used 0xb0000000 (tdximage's default).
pciexbar=0xe0000000

say() { printf 'acpi-oracle: %s\n' "$*"; }
die() { printf 'acpi-oracle: FAIL: %s\n' "$*" >&2; exit 1; }

for t in qemu-system-x86_64 cpio gzip od awk timeout cmp; do
    if ! command -v "$t" >/dev/null 2>&1; then
        [ "${CI:-}" = true ] && die "$t is not installed (CI must install it)"
        echo "acpi-oracle: SKIP: $t is not installed" >&2
        exit 77
    fi
done
for f in "$inputs/OVMF-trixie.fd" "$inputs/vmlinuz" "$inputs/qemu_fw_cfg.ko" "$inputs/busybox" "$tdximage"; do
    [ -e "$f" ] || die "$f does not exist"
done

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
files="etc/table-loader etc/acpi/rsdp etc/acpi/tables"

# --- initramfs: print each fw_cfg file as hex between marker lines ----------
root=$work/initrd-root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$inputs/busybox" "$root/bin/busybox"
cp "$inputs/qemu_fw_cfg.ko" "$root/qemu_fw_cfg.ko"
cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
insmod /qemu_fw_cfg.ko || echo "@@ACPI-NO-MODULE@@"
for f in $files; do
    echo "@@ACPI-BEGIN \$f@@"
    od -An -v -tx1 "/sys/firmware/qemu_fw_cfg/by_name/\$f/raw" || echo "@@ACPI-MISSING \$f@@"
    echo "@@ACPI-END \$f@@"
done
echo "@@ACPI-DONE@@"
poweroff -f
INIT
chmod 0755 "$root/init" "$root/bin/busybox" "$root" "$root/bin"
chmod 0644 "$root/qemu_fw_cfg.ko"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -n -1) > "$work/initrd.gz"

# unhex HEXFILE OUT: od -tx1 text back to bytes (octal escapes for printf).
# shellcheck disable=SC2059  # each line is a printf format of octal escapes on purpose
unhex() {
    awk 'BEGIN { for (i = 0; i < 256; i++) v[sprintf("%02x", i)] = sprintf("\\%03o", i) }
         { s = ""; for (i = 1; i <= NF; i++) s = s v[$i]; print s }' "$1" |
        while IFS= read -r line; do printf "$line"; done > "$2"
}

# --- boots, in parallel --------------------------------------------------------
cmdline="console=ttyS0 panic=-1 loglevel=1"
opts_a="-machine q35,accel=tcg -cpu max -m 1G -smp 2 -net none"
opts_b="-machine q35 -cpu max -m 3G -smp 3 -net none"
opts_a_smp4="-machine q35,accel=tcg -cpu max -m 1G -smp 4 -net none"
boot_opts="-nographic -no-reboot -bios $inputs/OVMF-trixie.fd -kernel $inputs/vmlinuz -initrd $work/initrd.gz"

boot() {
    name=$1
    shift
    # shellcheck disable=SC2086  # the option strings are word lists on purpose
    timeout "$boot_timeout" qemu-system-x86_64 "$@" $boot_opts -append "$cmdline" \
        < /dev/null > "$work/$name.console" 2> "$work/$name.qemu.err"
}

start=$(date +%s)
# shellcheck disable=SC2086
boot a $opts_a & pid_a=$!
# shellcheck disable=SC2086
boot b $opts_b & pid_b=$!
status_a=0; wait "$pid_a" || status_a=$?
status_b=0; wait "$pid_b" || status_b=$?
say "both boots: $(($(date +%s) - start)) s (qemu exit status a=$status_a b=$status_b)"

failures=0
for name in a b; do
    tr -d '\r' < "$work/$name.console" > "$work/$name.console.txt"
    if ! grep -q '^@@ACPI-DONE@@$' "$work/$name.console.txt"; then
        tail -n 30 "$work/$name.console.txt" >&2 || true
        cat "$work/$name.qemu.err" >&2 || true
        die "boot $name did not finish; console in $work/$name.console"
    fi
    grep -q '@@ACPI-NO-MODULE@@' "$work/$name.console.txt" && die "boot $name: insmod qemu_fw_cfg.ko failed"
    for f in $files; do
        grep -q "^@@ACPI-MISSING $f@@" "$work/$name.console.txt" && die "boot $name: the guest has no $f"
        mkdir -p "$work/guest-$name/$(dirname "$f")"
        sed -n "\\|^@@ACPI-BEGIN $f@@\$|,\\|^@@ACPI-END $f@@\$|p" "$work/$name.console.txt" | sed '1d;$d' > "$work/$name.hex"
        unhex "$work/$name.hex" "$work/guest-$name/$f"
        [ -s "$work/guest-$name/$f" ] || die "boot $name: empty $f"
    done
done

# --- dumps ---------------------------------------------------------------------
# dump NAME OPTION...: tdximage acpi dump into $work/dump-NAME.
dump() {
    name=$1
    shift
    if ! "$tdximage" acpi dump --qemu qemu-system-x86_64 --pciexbar "$pciexbar" -o "$work/dump-$name" -- "$@" \
        > "$work/dump-$name.out" 2> "$work/dump-$name.err"; then
        cat "$work/dump-$name.err" >&2
        die "tdximage acpi dump ($name) failed"
    fi
}

# same NAME GUEST: every blob of dump NAME equals guest GUEST's.
same() {
    for f in $files; do
        if cmp -s "$work/dump-$1/$f" "$work/guest-$2/$f"; then
            say "ok        dump $1 = guest $2: $f ($(wc -c < "$work/guest-$2/$f") bytes)"
        else
            failures=$((failures + 1))
            say "MISMATCH  dump $1 != guest $2: $f (files in $work)"
        fi
    done
}

# differs NAME GUEST: the tables of dump NAME must not equal guest GUEST's.
differs() {
    if cmp -s "$work/dump-$1/etc/acpi/tables" "$work/guest-$2/etc/acpi/tables"; then
        failures=$((failures + 1))
        say "MISMATCH  dump $1 should differ from guest $2's etc/acpi/tables but is identical"
    else
        say "ok        dump $1 differs from guest $2's etc/acpi/tables, as it must"
    fi
}

# shellcheck disable=SC2086
dump a $opts_a $boot_opts -append "$cmdline"
# shellcheck disable=SC2086
dump b $opts_b
same a a
same b b
# shellcheck disable=SC2086
dump a-smp4 $opts_a_smp4
differs a-smp4 a
saved=$pciexbar
pciexbar=0xb0000000
# shellcheck disable=SC2086
dump b-pciexbar $opts_b
pciexbar=$saved
differs b-pciexbar b
grep -q '"tdximage.acpi-dump/v1"' "$work/dump-b/acpi-dump.json" || { failures=$((failures + 1)); say "MISMATCH dump b: no acpi-dump.json schema"; }

if [ "$failures" -ne 0 ]; then
    die "$failures check(s) failed; files in $work"
fi
say "PASS: tdximage acpi dump matches what OVMF's guests read through fw_cfg, for both shapes"
