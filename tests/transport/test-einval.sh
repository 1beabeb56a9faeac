#!/bin/sh
# Guest test: invalid create and device parameters are refused with EINVAL/EBADF.
# Run in the VM bench: tests/vm/run -- tests/transport/test-einval.sh
. "$(dirname "$0")/lib.sh"
vlo_load
"$TEST" einval
vlo_unload
echo "test-einval: PASS"
