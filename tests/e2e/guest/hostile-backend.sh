#!/bin/bash
# In the guest: a vhost-user-blk backend that misbehaves on purpose
# (build/tests/hostile/vhost-user-hostile) attached by the real
# virtio-loopback-adapter. For each mode the backend serves the probe, the
# partition scan and a direct write and read-back correctly, is armed
# (SIGUSR1), and then misbehaves on the next requests while dd reads:
#   bad-id, twice     the module breaks the device ("invalid used ring
#                     entry"): dd ends within 20 s (bad-id: with an error),
#                     the adapter says the kernel broke the device, exits,
#                     and /dev/vdX goes
#   never, close-fds  the stall bound (STALL_MS) breaks it: dd fails after
#                     the bound, not before and not never; same removal
#   bad-len           the oversized used length is harmless to virtio_blk:
#                     dd reads the right data, the device keeps working
#   call-no-work      50 calls with nothing used are ignored: the same
#   poke              the backend's reads/writes outside what it was given
#                     get SIGBUS (the backend logs each and exits 3 if one
#                     did not); the device keeps working
# Always: the backend itself survives (exits 0 on SIGTERM), the kernel log
# has no BUG/WARNING/Oops/Call Trace, and the module unloads at the end.
#
# Usage: hostile-backend.sh [--poke-given] [MODE...]   (default: every mode)
# --poke-given makes the backend poke a buffer it was given (no SIGBUS):
# the poke mode must then FAIL (proof that the check can tell).
. "$(dirname "$0")/blk-qsd-lib.sh"

HOSTILE=$REPO/build/tests/hostile/vhost-user-hostile
STALL_MS=4000
BACKEND_ARGS=()
if [ "${1:-}" = --poke-given ]; then
	BACKEND_ARGS+=(--poke-given)
	shift
fi
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(bad-id bad-len call-no-work never twice close-fds poke)
[ -x "$HOSTILE" ] || fail "$HOSTILE missing: make hostile"
BACKEND_PID='' MODE=''

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
# bc comparison: ok "1.2 < 3"
ok() { [ "$(echo "$1" | bc)" = 1 ]; }
new_kmsg() { dmesg | tail -n +"$((KMSG_LINES + 1))"; }

start_backend() {
	rm -f "$SOCK"
	: >"$WORK/backend.log"
	: >"$WORK/adapter.log"
	"$HOSTILE" --socket-path "$SOCK" --mode "$MODE" "${BACKEND_ARGS[@]}" \
		>>"$WORK/backend.log" 2>&1 &
	BACKEND_PID=$!
	QSD_PID=$BACKEND_PID	# blk-qsd-lib.sh's cleanup kills it on failure
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	fail "$MODE: the hostile backend did not create $SOCK"
}

# The backend must still be alive and exit with status $1 on SIGTERM.
stop_backend() {
	local st=0
	kill -0 "$BACKEND_PID" 2>/dev/null || fail "$MODE: the backend died"
	kill "$BACKEND_PID"
	timeout 10 tail --pid="$BACKEND_PID" -f /dev/null || fail "$MODE: backend ignores SIGTERM"
	wait "$BACKEND_PID" || st=$?
	BACKEND_PID='' QSD_PID=''
	[ "$st" = "$1" ] || fail "$MODE: backend exited with status $st, not $1 (3: a poke was not refused, 4: never misbehaved)"
}

# dd with a bound: dd_bounded SECONDS ARGS...; sets DD_STATUS and DD_TIME.
dd_bounded() {
	local limit=$1 t0 pid
	shift
	t0=$(now)
	dd "$@" status=none 2>"$WORK/dd.err" &
	pid=$!
	if ! timeout "$limit" tail --pid="$pid" -f /dev/null; then
		kill -9 "$pid" 2>/dev/null || true
		fail "$MODE: dd $* still running after $limit s (hung I/O)"
	fi
	DD_STATUS=0
	wait "$pid" || DD_STATUS=$?
	DD_TIME=$(since "$t0")
}

# Direct write of the pattern at offset 1 MiB, read back, compared.
check_io() {
	dd_bounded 30 if="$WORK/pattern" of="$VDEV" bs=64k seek=16 oflag=direct
	[ "$DD_STATUS" = 0 ] || fail "$MODE: $1: direct write failed: $(cat "$WORK/dd.err")"
	dd_bounded 30 if="$VDEV" of="$WORK/back" bs=64k skip=16 count=4 iflag=direct
	[ "$DD_STATUS" = 0 ] || fail "$MODE: $1: direct read failed: $(cat "$WORK/dd.err")"
	cmp -s "$WORK/pattern" "$WORK/back" || fail "$MODE: $1: read back differs from what was written"
}

# The module broke the device ($1: its reason); the adapter says so, exits
# with status 1 (no --reconnect, its only backend is lost) and the disk goes.
expect_broken() {
	local st=0
	timeout 30 tail --pid="$ADAPTER_PID" -f /dev/null ||
		fail "$MODE: adapter still running 30 s after the device broke"
	wait "$ADAPTER_PID" || st=$?
	ADAPTER_PID=
	[ "$st" = 1 ] || fail "$MODE: adapter exited with status $st, not 1"
	grep -q "the kernel broke the device" "$WORK/adapter.log" ||
		fail "$MODE: the adapter does not say the kernel broke the device"
	wait_gone "the device broke ($MODE)"
	grep -q "device broken: $1" <<<"$(new_kmsg)" ||
		fail "$MODE: kernel log does not say 'device broken: $1'"
}

# The device is still fine: more I/O works, nothing broke, a clean stop.
expect_working() {
	check_io "after the misbehaviour"
	! grep -q "device broken" <<<"$(new_kmsg)" || fail "$MODE: the device broke"
	kill -0 "$ADAPTER_PID" 2>/dev/null || fail "$MODE: the adapter exited"
	stop_adapter
	wait_gone "the adapter stopped ($MODE)"
}

run_mode() {
	MODE=$1
	KMSG_LINES=$(dmesg | wc -l)
	start_backend
	start_adapter --stall-timeout-ms "$STALL_MS"
	udevadm settle --timeout=20 || true
	check_io "before arming"
	kill -USR1 "$BACKEND_PID"
	# Read what was written, through the misbehaving backend.
	case $MODE in
	bad-id | twice)
		dd_bounded 20 if="$VDEV" of="$WORK/back" bs=64k skip=16 count=4 iflag=direct
		[ "$MODE" = twice ] || [ "$DD_STATUS" != 0 ] ||
			fail "$MODE: dd read succeeded though its request was never completed"
		say "$MODE: dd ended with status $DD_STATUS after $DD_TIME s"
		expect_broken "backend wrote an invalid used ring entry"
		stop_backend 0
		;;
	never | close-fds)
		dd_bounded $((STALL_MS / 1000 + 25)) if="$VDEV" of="$WORK/back" bs=64k skip=16 \
			count=4 iflag=direct
		[ "$DD_STATUS" != 0 ] || fail "$MODE: dd succeeded though nothing completed"
		ok "$DD_TIME >= $STALL_MS / 1000 * 0.7" ||
			fail "$MODE: dd failed after $DD_TIME s, before the $STALL_MS ms stall bound"
		say "$MODE: dd failed with status $DD_STATUS after $DD_TIME s ($(cat "$WORK/dd.err"))"
		expect_broken "backend stopped answering requests"
		stop_backend 0
		;;
	bad-len | call-no-work | poke)
		dd_bounded 20 if="$VDEV" of="$WORK/back" bs=64k skip=16 count=4 iflag=direct
		[ "$DD_STATUS" = 0 ] || fail "$MODE: dd read failed: $(cat "$WORK/dd.err")"
		cmp -s "$WORK/pattern" "$WORK/back" || fail "$MODE: dd read wrong data"
		say "$MODE: dd read the right data in $DD_TIME s"
		expect_working
		if [ "$MODE" = poke ]; then
			grep -q "NOT refused" "$WORK/backend.log" &&
				fail "poke: an access outside the given buffers was not refused: $(grep "NOT refused" "$WORK/backend.log")"
			[ "$(grep -c ": SIGBUS$" "$WORK/backend.log")" = 3 ] ||
				fail "poke: the backend did not report 3 accesses refused with SIGBUS"
			stop_backend 0
			grep -q "poke: 3 of 3 accesses refused with SIGBUS" "$WORK/backend.log" ||
				fail "poke: no summary of refused accesses"
		else
			stop_backend 0
		fi
		;;
	*) fail "unknown mode $MODE" ;;
	esac
	grep -q "$MODE: misbehaving from request" "$WORK/backend.log" ||
		fail "$MODE: the backend never misbehaved"
	if grep -E 'BUG:|WARNING:|Oops|Call Trace' <<<"$(new_kmsg)"; then
		fail "$MODE: kernel log shows the above"
	fi
	sed 's/^/  backend: /' "$WORK/backend.log"
	say "$MODE: PASS"
}

head -c 262144 /dev/urandom >"$WORK/pattern"
load_module
for m in "${MODES[@]}"; do
	run_mode "$m"
done
unload_module
say "module unloaded; all ${#MODES[@]} modes passed"
