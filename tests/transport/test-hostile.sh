#!/bin/sh
# Guest test: the memory fd gives SIGBUS outside mapped pages; bad mmaps are refused.
# Run in the VM bench: tests/vm/run -- tests/transport/test-hostile.sh
. "$(dirname "$0")/lib.sh"
vlo_load
"$TEST" hostile
vlo_unload
echo "test-hostile: PASS"
