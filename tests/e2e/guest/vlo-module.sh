# Sourced by the guest libraries (blk-qsd-lib.sh, snd-lib.sh): loading and
# unloading the freshly built virtio_loopback.ko. Uses KO and fail() of the
# sourcing script.

# Load the module (once) and wait for its control device.
vlo_insmod() {
	[ -r "$KO" ] || fail "$KO missing: make module"
	modprobe virtio_ring 2>/dev/null || true
	grep -q '^virtio_loopback ' /proc/modules || insmod "$KO" || fail "insmod $KO"
	for _ in $(seq 50); do [ -c /dev/virtio-loopback ] && break; sleep 0.1; done
	[ -c /dev/virtio-loopback ] || fail "/dev/virtio-loopback did not appear"
}

# The module must unload once every device is gone; devices go away
# asynchronously after their owners exit, so retry for up to 10 s.
unload_module() {
	for _ in $(seq 50); do
		grep -q '^virtio_loopback ' /proc/modules || return 0
		rmmod virtio_loopback 2>/dev/null && return 0
		sleep 0.2
	done
	fail "rmmod virtio_loopback failed: $(grep virtio_loopback /proc/modules)"
}
