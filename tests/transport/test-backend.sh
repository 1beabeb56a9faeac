#!/bin/sh
# Guest test: hostile user-space backends beyond test-blk.sh. virtio-rng: never
# answers then closes with a reader waiting; reports used lengths larger than
# its buffers. virtio-blk: calls with no work, a used entry for a head not in
# flight, the same head used twice in one batch, kick/call/memory fds closed
# and replaced mid-request, touching memory outside its buffers. Each reader
# gets data or an error within a bound, the module unloads, and the bench
# checks the kernel log.
# Run in the VM bench: tests/vm/run -- tests/transport/test-backend.sh [MODE...]
. "$(dirname "$0")/lib.sh"
vlo_load
modprobe virtio_rng || fail "modprobe virtio_rng"
modprobe virtio_blk || fail "modprobe virtio_blk"
modes=${*:-rng-dead rng-badlen blk-spurious blk-poke blk-fds blk-badid blk-dup}
for m in $modes; do
	"$TEST" "$m" || fail "$m"
done
# Devices go away when their fds close; give the workqueues a moment.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	rmmod virtio_loopback 2>/dev/null && break
	sleep 0.5
done
grep -q '^virtio_loopback ' /proc/modules && fail "rmmod virtio_loopback"
echo "test-backend: PASS"
