#!/bin/sh
# Guest test: the device fd's events with a driver bound. The error eventfd
# breaks a virtio-blk device (VLO_EV_BROKEN, a dd in flight and a new one
# fail); VLO_IOC_START does not wait for the driver, and an unanswered
# DRIVER_OK breaks a virtio-rng device after its create-time timeout; a
# config write by virtio_blk (cache_type) arrives as VLO_EV_CONFIG; a close
# while the driver's probe waits for I/O ends promptly (probeclose). The
# module unloads at once after each; the bench checks the kernel log.
# Run in the VM bench: tests/vm/run -- tests/transport/test-events.sh [MODE...]
. "$(dirname "$0")/lib.sh"
EVENTS=$REPO/build/tests-transport/vlo-events
[ -x "$EVENTS" ] || fail "$EVENTS missing: make -C tests/transport"
modprobe virtio_blk || fail "modprobe virtio_blk"
modprobe virtio_rng || fail "modprobe virtio_rng"
modes=${*:-error noack config probeclose}
for m in $modes; do
	vlo_load
	before=$(dmesg | grep -c 'device broken: error eventfd signalled' || true)
	"$EVENTS" "$m" || fail "$m"
	after=$(dmesg | grep -c 'device broken: error eventfd signalled' || true)
	if [ "$m" = error ] && [ "$after" -ne $((before + 1)) ]; then
		fail "error: the kernel log does not say the error eventfd broke the device"
	fi
	vlo_unload
done
echo "test-events: PASS"
