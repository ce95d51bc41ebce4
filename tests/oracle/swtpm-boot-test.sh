#!/bin/sh
# Oracle test: boots a real Debian kernel through a real OVMF under QEMU (TCG)
# with a software TPM, reads back the TCG2 event log that the firmware and the
# kernel's EFI stub wrote, and checks that `tdximage measure` predicts the same
# per-event SHA-384 digests:
#   - PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION = the rtmr1 kernel event
#     (Authenticode of the kernel after QEMU's setup-header patch);
#   - PCR 4/5 EV_EFI_ACTION strings = the rtmr1 action events;
#   - PCR 9 EV_EVENT_TAG load options / initrd = the rtmr2 events, same order,
#     and the load options are the command line with " initrd=initrd" appended.
# Two boots: 512M and 3G (the initrd goes below 2 GiB once RAM >= 2.75 GiB),
# each with its own command line and initrd.
# A third boot uses Debian 13's OVMF (edk2 2025.02), which also logs what a TD
# puts in RTMR0: the Secure Boot variables and a separator in PCR 7, and in
# PCR 1 the ACPI blobs (loader, then each blob it allocates) and BootOrder/
# Boot0000. The guest prints the fw_cfg blobs it reads from sysfs; RTMR0 is
# predicted from them and from `tdximage acpi dump` of the same QEMU options,
# and the dump must be byte-identical to the guest's blobs.
#
#   swtpm-boot-test.sh TDXIMAGE INPUTS_DIR WORK_DIR [TOOLS_DIR]
# INPUTS_DIR holds OVMF.fd, OVMF-trixie.fd, vmlinuz, qemu_fw_cfg.ko and busybox
# (tests/fixtures/fetch-debian-inputs.sh).
# TOOLS_DIR holds tdximage_test_eventlog_dump and tdximage_test_oracle_compare
# (default: the tests/ directory of the build tree TDXIMAGE belongs to).
# Needs qemu-system-x86_64, swtpm, swtpm_setup, cpio, gzip, od, timeout.
# Exit status: 0 pass, 1 mismatch or failure, 77 skipped (a tool is missing,
# outside CI; with CI=true a missing tool fails).
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 TDXIMAGE INPUTS_DIR WORK_DIR [TOOLS_DIR]" >&2
    exit 2
fi
tdximage=$1
inputs=$2
work=$3
tools=${4:-$(cd "$(dirname "$tdximage")/../tests" && pwd)}
dump=$tools/tdximage_test_eventlog_dump
compare=$tools/tdximage_test_oracle_compare
boot_timeout=${TDXIMAGE_ORACLE_BOOT_TIMEOUT:-300}

say() { printf 'oracle: %s\n' "$*"; }
die() { printf 'oracle: FAIL: %s\n' "$*" >&2; exit 1; }

for t in qemu-system-x86_64 swtpm swtpm_setup cpio gzip od timeout; do
    if ! command -v "$t" >/dev/null 2>&1; then
        # CI installs every one of them (.ci/packages): there a missing tool is a failure, not a skip.
        [ "${CI:-}" = true ] && die "$t is not installed (CI must install it)"
        echo "oracle: SKIP: $t is not installed" >&2
        exit 77
    fi
done
for f in "$inputs/OVMF.fd" "$inputs/OVMF-trixie.fd" "$inputs/vmlinuz" "$inputs/qemu_fw_cfg.ko" "$inputs/busybox" \
    "$tdximage" "$dump" "$compare"; do
    [ -e "$f" ] || die "$f does not exist"
done

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# --- initramfs --------------------------------------------------------------
# make_initrd OUT LABEL: a busybox initramfs whose /init prints the command
# line, the binary TPM event log as hex, the SHA-384 PCRs 1, 4, 7 and 9 and
# (with the qemu_fw_cfg module) QEMU's ACPI fw_cfg blobs between marker
# lines, then powers off. LABEL goes into /etc/label, so two initrds can
# differ in content and size.
make_initrd() {
    out=$1
    label=$2
    root=$work/initrd-root-$label
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
    cp "$inputs/busybox" "$root/bin/busybox"
    cp "$inputs/qemu_fw_cfg.ko" "$root/qemu_fw_cfg.ko"
    chmod 0755 "$root/bin/busybox"
    chmod 0644 "$root/qemu_fw_cfg.ko"
    printf '%s\n' "$label" > "$root/etc/label"
    cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t securityfs securityfs /sys/kernel/security
log=/sys/kernel/security/tpm0/binary_bios_measurements
i=0
while [ ! -e "$log" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "@@ORACLE-CMDLINE@@$(cat /proc/cmdline)@@"
echo "@@ORACLE-LOG-BEGIN@@"
od -An -v -tx1 "$log" || echo "@@ORACLE-NO-LOG@@"
echo "@@ORACLE-LOG-END@@"
insmod /qemu_fw_cfg.ko 2>/dev/null
for f in etc/table-loader etc/acpi/rsdp etc/acpi/tables etc/tpm/log; do
    raw=/sys/firmware/qemu_fw_cfg/by_name/$f/raw
    [ -r "$raw" ] || continue
    echo "@@ORACLE-BLOB-BEGIN $f@@"
    od -An -v -tx1 "$raw"
    echo "@@ORACLE-BLOB-END@@"
done
for n in 1 4 7 9; do
    f=/sys/class/tpm/tpm0/pcr-sha384/$n
    if [ -r "$f" ]; then echo "@@ORACLE-PCR$n@@$(cat "$f")@@"; fi
done
echo "@@ORACLE-DONE@@"
poweroff -f
INIT
    chmod 0755 "$root/init"
    chmod 0755 "$root" "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
    chmod 0644 "$root/etc/label"
    find "$root" -exec touch -h -d @0 {} +
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet | gzip -n -9) > "$out"
}

# start_swtpm NAME DIR: a software TPM with a SHA-384 bank listening on DIR/sock; sets swtpm_pid.
start_swtpm() {
    mkdir -p "$2"
    swtpm_setup --tpm2 --tpmstate "$2" --pcr-banks sha256,sha384 --overwrite > "$work/$1.swtpm_setup.log" 2>&1 ||
        { cat "$work/$1.swtpm_setup.log" >&2; die "swtpm_setup failed"; }
    swtpm socket --tpm2 --tpmstate dir="$2" --ctrl type=unixio,path="$2/sock" --terminate \
        > "$work/$1.swtpm.log" 2>&1 &
    swtpm_pid=$!
    i=0
    while [ ! -S "$2/sock" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || { kill "$swtpm_pid" 2>/dev/null || true; die "swtpm did not create $2/sock"; }
        sleep 0.1
    done
}

# --- one boot ---------------------------------------------------------------
# boot NAME MEMORY CMDLINE INITRD [FIRMWARE [CPUS]]: boots, leaves $work/NAME.console,
# $work/NAME.log (binary event log), $work/NAME.pcrN when the guest has them and
# $work/NAME.guest-acpi/etc/... (the fw_cfg blobs the guest read).
boot() {
    name=$1
    mem=$2
    cmdline=$3
    initrd=$4
    firmware=${5:-$inputs/OVMF.fd}
    cpus=${6:-1}
    tpm=$work/$name-tpm
    start_swtpm "$name" "$tpm"
    start=$(date +%s)
    status=0
    timeout "$boot_timeout" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -m "$mem" -smp "$cpus" \
        -nographic -no-reboot -net none \
        -bios "$firmware" -kernel "$inputs/vmlinuz" -initrd "$initrd" -append "$cmdline" \
        -chardev socket,id=chrtpm,path="$tpm/sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
        -device tpm-crb,tpmdev=tpm0 < /dev/null > "$work/$name.console" 2> "$work/$name.qemu.err" || status=$?
    end=$(date +%s)
    kill "$swtpm_pid" 2>/dev/null || true
    wait "$swtpm_pid" 2>/dev/null || true
    say "boot $name (-m $mem): $((end - start)) s, qemu exit status $status"
    tr -d '\r' < "$work/$name.console" > "$work/$name.console.txt"
    if ! grep -q '@@ORACLE-DONE@@' "$work/$name.console.txt"; then
        tail -n 40 "$work/$name.console.txt" >&2 || true
        cat "$work/$name.qemu.err" >&2 || true
        die "boot $name did not finish (status $status); console in $work/$name.console"
    fi
    grep -q '@@ORACLE-NO-LOG@@' "$work/$name.console.txt" && die "boot $name: the guest has no TPM event log"
    sed -n '/^@@ORACLE-LOG-BEGIN@@$/,/^@@ORACLE-LOG-END@@$/p' "$work/$name.console.txt" |
        sed '1d;$d' > "$work/$name.log.hex"
    "$dump" unhex "$work/$name.log.hex" "$work/$name.log" || die "boot $name: cannot decode the hex dump"
    sed -n 's/^@@ORACLE-CMDLINE@@\(.*\)@@$/\1/p' "$work/$name.console.txt" > "$work/$name.proc_cmdline"
    for n in 1 4 7 9; do
        sed -n "s/^@@ORACLE-PCR$n@@\\(.*\\)@@\$/\\1/p" "$work/$name.console.txt" > "$work/$name.pcr$n"
    done
    for f in etc/table-loader etc/acpi/rsdp etc/acpi/tables etc/tpm/log; do
        grep -q "^@@ORACLE-BLOB-BEGIN $f@@\$" "$work/$name.console.txt" || continue
        mkdir -p "$(dirname "$work/$name.guest-acpi/$f")"
        sed -n "\\|^@@ORACLE-BLOB-BEGIN $f@@\$|,/^@@ORACLE-BLOB-END@@\$/p" "$work/$name.console.txt" |
            sed '1d;$d' > "$work/$name.blob.hex"
        "$dump" unhex "$work/$name.blob.hex" "$work/$name.guest-acpi/$f" || die "boot $name: cannot decode the $f dump"
    done
    "$dump" show "$work/$name.log" > "$work/$name.events.txt" || die "boot $name: the project's parser rejects the log"
    # The product's own reader: `tdximage eventlog replay --tpm` must give the
    # PCR values the guest read from sysfs, and `show` must decode every record.
    "$tdximage" eventlog replay "$work/$name.log" --tpm > "$work/$name.replay" || die "boot $name: tdximage eventlog replay failed"
    "$tdximage" eventlog show "$work/$name.log" --tpm --json > "$work/$name.show.json" || die "boot $name: tdximage eventlog show failed"
    for n in 1 4 7 9; do
        [ -s "$work/$name.pcr$n" ] || continue
        want=$(tr 'A-F' 'a-f' < "$work/$name.pcr$n")
        got=$(awk -v p="pcr$n" '$1 == p {print $2}' "$work/$name.replay")
        if [ "$got" = "$want" ]; then
            say "ok        boot $name: tdximage eventlog replay pcr$n = the guest's sysfs value"
        else
            failures=$((failures + 1))
            say "MISMATCH boot $name: tdximage eventlog replay pcr$n is '$got', the guest read $want"
        fi
    done
}

# cross_check_tpm2_tools NAME: tpm2_eventlog (tpm2-tools) is an independent
# parser; its SHA-384 PCR replay must equal the project parser's for every PCR.
cross_check_tpm2_tools() {
    name=$1
    if ! command -v tpm2_eventlog >/dev/null 2>&1; then
        # CI installs tpm2-tools (.ci/packages): there the cross-check must run.
        [ "${CI:-}" = true ] && die "tpm2_eventlog (tpm2-tools) is not installed (CI must install it)"
        say "boot $name: tpm2_eventlog (tpm2-tools) not installed; parser cross-check NOT run"
        return 0
    fi
    tpm2_eventlog "$work/$name.log" > "$work/$name.tpm2_eventlog.yaml" 2>&1 ||
        { failures=$((failures + 1)); say "MISMATCH boot $name: tpm2_eventlog cannot parse the log"; return 0; }
    awk '/^pcrs:/ {p = 1; next} p && /^  [a-z0-9]+:/ {bank = $1; next}
         p && bank == "sha384:" && $2 == ":" {sub(/^0x/, "", $3); print $1, tolower($3)}' \
        "$work/$name.tpm2_eventlog.yaml" > "$work/$name.tpm2_pcrs"
    [ -s "$work/$name.tpm2_pcrs" ] ||
        { failures=$((failures + 1)); say "MISMATCH boot $name: no sha384 PCRs in tpm2_eventlog's output"; return 0; }
    while read -r pcr value; do
        ours=$("$dump" replay "$work/$name.log" "$pcr")
        if [ "$ours" = "$value" ]; then
            say "ok        boot $name: PCR $pcr replay = tpm2_eventlog's ($value)"
        else
            failures=$((failures + 1))
            say "MISMATCH boot $name: PCR $pcr replay $ours, tpm2_eventlog says $value"
        fi
    done < "$work/$name.tpm2_pcrs"
}

# check NAME MEMORY CMDLINE INITRD [FIRMWARE LAYOUT ACPI_DIR CPUS]: with an
# ACPI directory, RTMR0 (PCR 1 and 7) is compared too. NAME-dump checks boot
# NAME's log with other inputs.
check() {
    name=$1
    mem=$2
    cmdline=$3
    initrd=$4
    firmware=${5:-$inputs/OVMF.fd}
    layout=${6:-pre-2024.11}
    acpi=${7:-}
    cpus=${8:-1}
    log_name=${name%-dump}
    [ "$log_name" = "$name" ] && cross_check_tpm2_tools "$name"
    set -- --ovmf "$firmware" --kernel "$inputs/vmlinuz" --initrd "$initrd" --cmdline "$cmdline" --memory "$mem" \
        --kernel-header patched --initrd-arg suffix --fw-layout "$layout" --json
    pcrs="4 9"
    rtmr0=no
    if [ -n "$acpi" ]; then
        set -- "$@" --acpi-dir "$acpi" --cpus "$cpus"
        pcrs="1 4 7 9"
        rtmr0=yes
    fi
    if ! "$tdximage" measure "$@" > "$work/$name.measure.json" 2> "$work/$name.measure.err"; then
        cat "$work/$name.measure.err" >&2
        failures=$((failures + 1))
        say "MISMATCH boot $name: tdximage measure failed"
        return 0
    fi
    set -- "$compare" --log "$work/$log_name.log" --measure-json "$work/$name.measure.json" --cmdline "$cmdline" \
        --initrd "$initrd" --proc-cmdline-file "$work/$log_name.proc_cmdline" --rtmr0 "$rtmr0"
    for n in $pcrs; do
        if [ -s "$work/$log_name.pcr$n" ]; then
            set -- "$@" --pcr "$n=$(cat "$work/$log_name.pcr$n")"
        else
            say "boot $name: the guest kernel exposes no pcr-sha384/$n; PCR $n replay not checked against the TPM"
        fi
    done
    if ! "$@"; then
        failures=$((failures + 1))
        say "MISMATCH boot $name: the event log and tdximage disagree (see above; files in $work)"
    else
        say "ok        boot $name: the log's events equal tdximage's (rtmr0 compared: $rtmr0)"
    fi
}

# must_disagree NAME CMDLINE INITRD LABEL MEASURE-OPTION...: the oracle has
# teeth: with a rule this firmware does not follow, or the wrong memory size,
# the comparison must fail.
must_disagree() {
    name=$1
    cmdline=$2
    initrd=$3
    label=$4
    shift 4
    "$tdximage" measure --ovmf "$inputs/OVMF.fd" --kernel "$inputs/vmlinuz" --initrd "$initrd" \
        --cmdline "$cmdline" --fw-layout pre-2024.11 --json "$@" \
        > "$work/$name.$label.json" 2> "$work/$name.$label.err" ||
        { cat "$work/$name.$label.err" >&2; failures=$((failures + 1)); say "MISMATCH tdximage measure $* failed"; return 0; }
    status=0
    "$compare" --log "$work/$name.log" --measure-json "$work/$name.$label.json" --cmdline "$cmdline" \
        > "$work/$name.$label.compare" 2>&1 || status=$?
    if [ "$status" -eq 1 ]; then
        say "ok        boot $name: with $* the oracle reports a mismatch, as it must"
    else
        failures=$((failures + 1))
        say "MISMATCH boot $name: with $* the oracle should report a mismatch (exit 1) but exited $status"
    fi
}

make_initrd "$work/initrd-a.cpio.gz" oracle-a
make_initrd "$work/initrd-b.cpio.gz" oracle-b-with-a-longer-label
cmdline_a="console=ttyS0 panic=-1 loglevel=1 tdximage.oracle=a"
cmdline_b="console=ttyS0 panic=-1 loglevel=1 tdximage.oracle=b some=\"quoted value\" x"

failures=0
boot a 512M "$cmdline_a" "$work/initrd-a.cpio.gz"
boot b 3G "$cmdline_b" "$work/initrd-b.cpio.gz"
boot c 1G "$cmdline_a" "$work/initrd-a.cpio.gz" "$inputs/OVMF-trixie.fd" 2
check a 512M "$cmdline_a" "$work/initrd-a.cpio.gz"
check b 3G "$cmdline_b" "$work/initrd-b.cpio.gz"
[ -s "$work/c.guest-acpi/etc/acpi/tables" ] || die "boot c: the guest printed no ACPI fw_cfg blobs"
check c 1G "$cmdline_a" "$work/initrd-a.cpio.gz" "$inputs/OVMF-trixie.fd" 2024.11 "$work/c.guest-acpi" 2

# The same RTMR0 from `tdximage acpi dump` of boot c's QEMU options (its own
# swtpm: the TPM device adds etc/tpm/log and a TPM2 table): the dump must
# equal the guest's blobs byte for byte, and predict the logged events.
start_swtpm c-dump "$work/c-dump-tpm"
status=0
"$tdximage" acpi dump --qemu qemu-system-x86_64 -o "$work/c.dump" -- -machine q35,accel=tcg -cpu max -m 1G -smp 2 \
    -net none -chardev socket,id=chrtpm,path="$work/c-dump-tpm/sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
    -device tpm-crb,tpmdev=tpm0 > "$work/c.dump.out" 2>&1 || status=$?
kill "$swtpm_pid" 2>/dev/null || true
wait "$swtpm_pid" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
    cat "$work/c.dump.out" >&2
    failures=$((failures + 1))
    say "MISMATCH boot c: tdximage acpi dump failed (status $status)"
else
    for f in etc/table-loader etc/acpi/rsdp etc/acpi/tables etc/tpm/log; do
        if cmp -s "$work/c.guest-acpi/$f" "$work/c.dump/$f"; then
            say "ok        boot c: acpi dump's $f = the guest's fw_cfg file"
        else
            failures=$((failures + 1))
            say "MISMATCH boot c: acpi dump's $f differs from the guest's fw_cfg file"
        fi
    done
    check c-dump 1G "$cmdline_a" "$work/initrd-a.cpio.gz" "$inputs/OVMF-trixie.fd" 2024.11 "$work/c.dump" 2
fi

# Teeth for RTMR0: one changed byte in the tables must fail the comparison.
rm -rf "$work/c.bad-acpi"
cp -R "$work/c.guest-acpi" "$work/c.bad-acpi"
printf 'X' | dd of="$work/c.bad-acpi/etc/acpi/tables" bs=1 seek=200 conv=notrunc 2>/dev/null
"$tdximage" measure --ovmf "$inputs/OVMF-trixie.fd" --kernel "$inputs/vmlinuz" --initrd "$work/initrd-a.cpio.gz" \
    --cmdline "$cmdline_a" --memory 1G --kernel-header patched --initrd-arg suffix --fw-layout 2024.11 \
    --acpi-dir "$work/c.bad-acpi" --json > "$work/c.bad.json" 2> "$work/c.bad.err" || die "measure with altered tables failed"
status=0
"$compare" --log "$work/c.log" --measure-json "$work/c.bad.json" --cmdline "$cmdline_a" --rtmr0 yes \
    > "$work/c.bad.compare" 2>&1 || status=$?
if [ "$status" -eq 1 ]; then
    say "ok        boot c: with one byte of etc/acpi/tables changed the RTMR0 comparison fails, as it must"
else
    failures=$((failures + 1))
    say "MISMATCH boot c: altered ACPI tables should fail the RTMR0 comparison (exit 1) but it exited $status"
fi
must_disagree a "$cmdline_a" "$work/initrd-a.cpio.gz" prefix --memory 512M --kernel-header patched --initrd-arg prefix
must_disagree b "$cmdline_b" "$work/initrd-b.cpio.gz" raw --memory 3G --kernel-header raw --initrd-arg suffix
must_disagree b "$cmdline_b" "$work/initrd-b.cpio.gz" mem --memory 2560M --kernel-header patched --initrd-arg suffix

# The kernel digest must follow the setup-header patch: another initrd size
# and address give another Authenticode hash of the same vmlinuz.
kernel_a=$(awk '$4 == "EV_EFI_BOOT_SERVICES_APPLICATION" {print $6}' "$work/a.events.txt")
kernel_b=$(awk '$4 == "EV_EFI_BOOT_SERVICES_APPLICATION" {print $6}' "$work/b.events.txt")
say "kernel digest, boot a: $kernel_a"
say "kernel digest, boot b: $kernel_b"
if [ -z "$kernel_a" ] || [ "$kernel_a" = "$kernel_b" ]; then
    failures=$((failures + 1))
    say "MISMATCH the two boots measured the same kernel digest; QEMU's header patch should make them differ"
fi

if [ "$failures" -ne 0 ]; then
    die "$failures check group(s) failed; files in $work"
fi
say "PASS: PCR 4/5/9 event digests match tdximage's RTMR1/RTMR2 events in all three boots, and PCR 1/7 match its RTMR0 events (Debian 13 OVMF)"
