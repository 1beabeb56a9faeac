#!/bin/sh
# Guest test: a user-space virtio-rng device: virtio_rng binds and data flows; completed buffers are revoked.
# Run in the VM bench: tests/vm/run -- tests/transport/test-rng.sh
. "$(dirname "$0")/lib.sh"
vlo_load
modprobe virtio_rng || fail "modprobe virtio_rng"
"$TEST" rng
"$TEST" rng-small
# The same through a shadow used ring (VLO_CREATE_F_ZERO_COPY).
VLO_ZERO_COPY=1 "$TEST" rng
VLO_ZERO_COPY=1 "$TEST" rng-small
# ... where the kernel drops kicks while the shadow says NO_NOTIFY.
"$TEST" rng-nonotify
vlo_unload
echo "test-rng: PASS"
