#!/bin/sh
# One conformance case on the firmware under QEMU, in the runner's
# external-host protocol (conformance/README.md): the firmware reads the
# guest and the board named by the runner through semihosting, prints the
# trace on standard output, and QEMU exits with the firmware's code.
#
#   wasi-hw-conformance --host-command firmware/qemu-wasmi/run-case.sh
#
# FIRMWARE names the firmware's ELF (default: the release build next to this
# script). QEMU splits its options on commas: a comma in a path is doubled.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
firmware=${FIRMWARE:-$here/target/thumbv7em-none-eabihf/release/wasi-hw-firmware-wasmi}
: "${WASI_HW_CASE:?run me through wasi-hw-conformance --host-command}"
quote() { printf '%s' "$1" | sed 's/,/,,/g'; }
case "$WASI_HW_CASE$WASI_HW_GUEST_CORE$WASI_HW_BOARD" in
  *" "*) echo "run-case.sh: the firmware's command line is split on spaces; a path with one cannot be passed" >&2; exit 2 ;;
esac
args="firmware case $WASI_HW_CASE $WASI_HW_GUEST_CORE $WASI_HW_BOARD"
if [ "${#args}" -ge 4096 ]; then
  echo "run-case.sh: the firmware reads a command line of at most 4095 bytes; the case and paths make ${#args}" >&2
  exit 2
fi
exec qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none \
  -semihosting-config "enable=on,target=native,arg=firmware,arg=case,arg=$(quote "$WASI_HW_CASE"),arg=$(quote "$WASI_HW_GUEST_CORE"),arg=$(quote "$WASI_HW_BOARD")" \
  -kernel "$firmware"
