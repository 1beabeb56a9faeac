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
# Zero-copy (a shadow used ring): reads verify, garbage in the shadow is
# refused, a dead backend's requests fail.
VLO_ZERO_COPY=1 "$TEST" blk-dead
VLO_ZERO_COPY=1 "$TEST" blk-dead-indirect
VLO_ZERO_COPY=1 "$TEST" blk-garbage
# Zero-copy proper: a whole-page buffer is the driver's own page, revoked
# before the driver sees its completion.
"$TEST" blk-zc
vlo_unload
echo "test-blk: PASS"
