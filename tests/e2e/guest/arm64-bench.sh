#!/bin/bash
# In the arm64 guest (tests/vm/run --arch arm64): the guest really is the
# arm64 bench (aarch64, Debian's arm64 6.12 kernel, the repository at its
# host path with build/arm64 seen as build/, holding arm64 programs), and the
# cross-built virtio_loopback.ko loads into that kernel, creates its control
# device, lets virtio_snd load next to it, and unloads.
set -euo pipefail
REPO=${VLO_REPO:?not in the VM bench}
KO=$REPO/build/driver-$(uname -r)/virtio_loopback.ko
me=$(basename "$0")
say() { echo "$me: $*"; }
fail() {
	echo "$me: FAIL: $*" >&2
	exit 1
}
. "$(dirname "$0")/vlo-module.sh"

[ "$(uname -m)" = aarch64 ] || fail "machine is $(uname -m), not aarch64"
case "$(uname -r)" in 6.12.*-arm64) ;; *) fail "kernel $(uname -r) is not Debian's arm64 6.12" ;; esac
[ "$PWD" = "$REPO" ] || fail "working directory $PWD, not $REPO"
say "kernel $(uname -r) on $(uname -m)"

# ELF e_machine (bytes 18-19, little endian): 0xb7 is aarch64, 0x3e x86-64.
elf_machine() { od -An -tx1 -j18 -N2 "$1" | tr -d ' \n'; }
for p in build/adapter/virtio-loopback-adapter build/sound-backend/vhost-user-sound \
	build/tests/tools/wavgen "$KO"; do
	[ -r "$p" ] || fail "$p missing: make arm64"
	m=$(elf_machine "$p")
	[ "$m" = b700 ] || fail "$p is not an aarch64 ELF (e_machine $m)"
done
# An arm64 program built here runs here (and says so).
build/adapter/virtio-loopback-adapter --help >/dev/null || fail "the arm64 adapter does not run"

vlo_insmod
grep -q '^virtio_loopback ' /proc/modules || fail "virtio_loopback not in /proc/modules"
say "virtio_loopback.ko loaded: $(modinfo -F vermagic "$KO")"
modprobe virtio_snd || fail "modprobe virtio_snd"
unload_module
# (Debian's kernel notes the unsigned module once: "module verification
# failed ... tainting kernel"; that is expected of an out-of-tree build.)
if dmesg | grep -E 'BUG:|WARNING:|Oops|Call Trace' >&2; then
	fail "the kernel log shows trouble (above)"
fi
say "PASS"
