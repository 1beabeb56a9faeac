#!/bin/sh
# Guest test: a hostile user of the control, device and memory fds (random
# ioctls, reads, writes, mmaps; fixed seed), as root and as nobody, who may not
# open the control device. The kernel must survive (the bench checks its log)
# and the module must unload.
# Run in the VM bench: tests/vm/run -- tests/transport/test-fuzz.sh [SEED [N]]
. "$(dirname "$0")/lib.sh"
vlo_load
"$REPO/build/tests-transport/vlo-hostile" "$@" || fail "vlo-hostile"
# Devices go away when their fds close; give the workqueues a moment.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	rmmod virtio_loopback 2>/dev/null && break
	sleep 0.5
done
grep -q '^virtio_loopback ' /proc/modules && fail "rmmod virtio_loopback"
echo "test-fuzz: PASS"
