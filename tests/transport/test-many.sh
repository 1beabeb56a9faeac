#!/bin/sh
# Guest test: 8 devices created and started at once, then destroyed.
# Run in the VM bench: tests/vm/run -- tests/transport/test-many.sh
. "$(dirname "$0")/lib.sh"
vlo_load
"$TEST" many 8
vlo_unload
echo "test-many: PASS"
