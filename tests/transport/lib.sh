# Sourced by the guest-side test scripts: load the freshly built module.
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
KO=${VLO_KO:-$REPO/build/driver-$(uname -r)/virtio_loopback.ko}
TEST=$REPO/build/tests-transport/vlo-test

fail() {
	echo "$(basename "$0"): FAIL: $*" >&2
	exit 1
}

vlo_load() {
	[ -r "$KO" ] || fail "$KO missing: make -C driver modules KDIR=/lib/modules/$(uname -r)/build"
	[ -x "$TEST" ] || fail "$TEST missing: make -C tests/transport"
	modprobe virtio_ring 2>/dev/null || true
	if ! grep -q '^virtio_loopback ' /proc/modules; then
		insmod "$KO" || fail "insmod $KO"
	fi
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -c /dev/virtio-loopback ] && break
		sleep 0.1
	done
	[ -c /dev/virtio-loopback ] || fail "/dev/virtio-loopback did not appear"
	mode=$(stat -c %a /dev/virtio-loopback)
	[ "$mode" = 600 ] || fail "/dev/virtio-loopback has mode $mode, not 600"
}

# The module must unload once every device is gone.
vlo_unload() {
	rmmod virtio_loopback || fail "rmmod virtio_loopback"
}

# The same, after tests whose devices go away when their fds close (in
# workqueues): 5 s at most.
vlo_unload_wait() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmmod virtio_loopback 2>/dev/null && return 0
		sleep 0.5
	done
	fail "rmmod virtio_loopback"
}
