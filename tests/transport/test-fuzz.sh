#!/bin/sh
# Guest test: a hostile user of the control, device and memory fds (random
# ioctls, reads, writes, mmaps; fixed seed), as root and as nobody, who may not
# open the control device. The kernel must survive (the bench checks its log)
# and the module must unload.
# Run in the VM bench: tests/vm/run -- tests/transport/test-fuzz.sh [SEED [N]]
. "$(dirname "$0")/lib.sh"
vlo_load
"$REPO/build/tests-transport/vlo-hostile" "$@" || fail "vlo-hostile"
vlo_unload_wait
echo "test-fuzz: PASS"
