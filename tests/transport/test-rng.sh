#!/bin/sh
# Guest test: a user-space virtio-rng device: virtio_rng binds and data flows; completed buffers are revoked.
# Run in the VM bench: tests/vm/run -- tests/transport/test-rng.sh
. "$(dirname "$0")/lib.sh"
vlo_load
modprobe virtio_rng || fail "modprobe virtio_rng"
"$TEST" rng
"$TEST" rng-small
vlo_unload
echo "test-rng: PASS"
