#!/bin/sh
# Guest test: 1000 create/destroy cycles, then 500 with virtio_rng bound, leave the
# slab caches and MemAvailable where they were.
# Run in the VM bench: tests/vm/run -- tests/transport/test-cycles.sh
. "$(dirname "$0")/lib.sh"
vlo_load
modprobe virtio_rng || fail "modprobe virtio_rng"
"$TEST" cycles 1000
vlo_unload
echo "test-cycles: PASS"
