#!/bin/sh
# Guest test: a user-space virtio-blk device dies, writes a garbage used ring,
# or stays alive but stops answering while a direct dd is in flight: dd fails
# within a bound, the disk goes away, the module unloads (the bench checks the
# kernel log).
# Run in the VM bench: tests/vm/run -- tests/transport/test-blk.sh
. "$(dirname "$0")/lib.sh"
vlo_load
modprobe virtio_blk || fail "modprobe virtio_blk"
"$TEST" blk-dead
"$TEST" blk-dead-indirect
"$TEST" blk-garbage
"$TEST" blk-hung
vlo_unload
echo "test-blk: PASS"
