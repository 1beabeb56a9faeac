#!/bin/bash
# In the guest: stop qemu-storage-daemon (SIGSTOP: alive, socket open, never
# answering) while fio writes to its /dev/vdX, with the adapter's stall bound
# at 2 s. fio must end with I/O errors after the bound (not before, not
# never), the kernel log must stay clean (the bench checks) and the module
# must unload once the stopped daemon is gone.
. "$(dirname "$0")/blk-qsd-lib.sh"

STALL_MS=2000
load_module
start_qsd
start_adapter --stall-timeout-ms "$STALL_MS"

fio --name=s --filename="$VDEV" --rw=randwrite --bs=64k --size=32M --direct=1 \
	--iodepth=8 --ioengine=libaio --time_based --runtime=60 --eta=never \
	--output="$WORK/fio.out" &
fio_pid=$!
sleep 3
kill -0 "$fio_pid" 2>/dev/null || fail "fio ended before the stop"
say "stopping qemu-storage-daemon (pid $QSD_PID) during fio"
t0=$(date +%s.%N)
kill -STOP "$QSD_PID"
if ! timeout 30 tail --pid="$fio_pid" -f /dev/null; then
	kill -9 "$fio_pid" 2>/dev/null || true
	fail "fio still running 30 s after its backend stopped answering (hung I/O)"
fi
took=$(echo "$(date +%s.%N) - $t0" | bc)
status=0
wait "$fio_pid" || status=$?
[ "$status" != 0 ] || fail "fio succeeded although its backend stopped answering"
grep -qiE "error|err=" "$WORK/fio.out" || fail "fio output has no I/O error"
# Requests in flight when the daemon stopped waited the whole bound.
[ "$(echo "$took >= $STALL_MS / 1000 * 0.7" | bc)" = 1 ] ||
	fail "fio failed after ${took} s, before the ${STALL_MS} ms stall bound"
say "fio failed with status $status after ${took} s: $(grep -oE 'err= *[0-9]+[^:]*' "$WORK/fio.out" | head -1)"
grep -q "backend stopped answering" <<<"$(dmesg)" || fail "kernel log does not say why the device broke"
kill -9 "$QSD_PID"
kill -CONT "$QSD_PID" 2>/dev/null || true
wait "$QSD_PID" 2>/dev/null || true
QSD_PID=
finish_after_backend "went away"
