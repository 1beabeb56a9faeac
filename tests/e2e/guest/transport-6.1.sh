#!/bin/bash
# In a Linux 6.1 guest (tests/e2e/transport-6.1.test): the transport tests,
# then the qemu-storage-daemon proof, with the module built for this kernel.
set -uo pipefail
cd "$(dirname "$0")/../../.."
case $(uname -r) in
6.1.*) ;;
*) echo "transport-6.1.sh: FAIL: running on $(uname -r), not 6.1" >&2; exit 1 ;;
esac
echo "transport-6.1.sh: kernel $(uname -r)"
tests/transport/run-all.sh || exit 1
tests/e2e/guest/blk-qsd.sh || exit 1
echo "transport-6.1.sh: PASS"
