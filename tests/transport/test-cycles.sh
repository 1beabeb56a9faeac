#!/bin/sh
# Guest test: 1000 create/destroy cycles leave Slab and MemAvailable where they were.
# Run in the VM bench: tests/vm/run -- tests/transport/test-cycles.sh
. "$(dirname "$0")/lib.sh"
vlo_load
"$TEST" cycles 1000
vlo_unload
echo "test-cycles: PASS"
