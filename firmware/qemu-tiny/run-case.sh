#!/bin/sh
# One conformance case on the firmware under QEMU, in the runner's
# external-host protocol (conformance/README.md): the firmware reads the
# guest and the board named by the runner through semihosting, prints the
# trace on standard output, and QEMU exits with the firmware's code.
#
#   WASI_HW_MAX_MEMORY=1048576 wasi-hw-conformance --host-command firmware/qemu-tiny/run-case.sh
#   wasi-hw-conformance --hostile --unnamed-traps --host-command firmware/qemu-tiny/run-case.sh
#
# FIRMWARE names the firmware's ELF (default: the build with the `conformance`
# feature, in target/conformance next to this script). QEMU splits its options on commas: a comma in a path is doubled.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
firmware=${FIRMWARE:-$here/target/conformance/thumbv7em-none-eabihf/release/wasi-hw-firmware-tiny}
: "${WASI_HW_CASE:?run me through wasi-hw-conformance --host-command}"
quote() { printf '%s' "$1" | sed 's/,/,,/g'; }
case "$WASI_HW_CASE$WASI_HW_GUEST_CORE$WASI_HW_BOARD" in
  *" "*) echo "run-case.sh: the firmware's command line is split on spaces; a path with one cannot be passed" >&2; exit 2 ;;
esac
# The guest's memory: fixed at what it starts with, or with
# WASI_HW_MAX_MEMORY (bytes) bounded at that (the test guest grows its own).
max=${WASI_HW_MAX_MEMORY:+,arg=$WASI_HW_MAX_MEMORY}
args="firmware case $WASI_HW_CASE $WASI_HW_GUEST_CORE $WASI_HW_BOARD ${WASI_HW_MAX_MEMORY:-}"
if [ "${#args}" -ge 4096 ]; then
  echo "run-case.sh: the firmware reads a command line of at most 4095 bytes; the case and paths make ${#args}" >&2
  exit 2
fi
exec qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none \
  -semihosting-config "enable=on,target=native,arg=firmware,arg=case,arg=$(quote "$WASI_HW_CASE"),arg=$(quote "$WASI_HW_GUEST_CORE"),arg=$(quote "$WASI_HW_BOARD")$max" \
  -kernel "$firmware"
