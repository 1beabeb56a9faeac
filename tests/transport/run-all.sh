#!/bin/sh
# Run every transport test in this guest; exit non-zero if any fails.
dir=$(dirname "$0")
failed=
for t in einval many hostile rng blk events cycles; do
	echo "== test-$t"
	"$dir/test-$t.sh" || failed="$failed $t"
	# Leave no module behind for the next test, even after a failure.
	grep -q '^virtio_loopback ' /proc/modules && rmmod virtio_loopback
done
if [ -n "$failed" ]; then
	echo "transport tests FAILED:$failed" >&2
	exit 1
fi
echo "transport tests: all passed"
