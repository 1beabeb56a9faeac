#!/bin/sh
# Guest test: hostile user-space backends beyond test-blk.sh. virtio-rng: never
# answers then closes with a reader waiting; goes silent under a 1 s stall
# bound (broken after the bound, the reader ends at the close); reports used
# lengths larger than its buffers. virtio-blk: calls with no work, a used entry for a head not in
# flight, the same head used twice in one batch, kick/call/memory fds closed
# and replaced mid-request, touching memory outside its buffers. Each reader
# gets data or an error within a bound, the module unloads, and the bench
# checks the kernel log.
# Run in the VM bench: tests/vm/run -- tests/transport/test-backend.sh [MODE...]
. "$(dirname "$0")/lib.sh"
vlo_load
modprobe virtio_rng || fail "modprobe virtio_rng"
modprobe virtio_blk || fail "modprobe virtio_blk"
modes=${*:-rng-dead rng-stall rng-badlen blk-spurious blk-poke blk-fds blk-badid blk-dup}
for m in $modes; do
	"$TEST" "$m" || fail "$m"
done
# The hostile blk backends again, writing a shadow used ring (zero-copy).
if [ $# -eq 0 ]; then
	for m in blk-spurious blk-poke blk-badid blk-dup; do
		VLO_ZERO_COPY=1 "$TEST" "$m" || fail "zero-copy $m"
	done
fi
vlo_unload_wait
echo "test-backend: PASS"
