#!/bin/bash
# In the guest: kill qemu-storage-daemon while fio writes to its /dev/vdX.
# fio must end with I/O errors within a bound (not hang), the adapter must
# remove the device, the kernel log must stay clean (the bench checks) and
# the module must unload.
. "$(dirname "$0")/blk-qsd-lib.sh"

load_module
start_qsd
start_adapter

fio --name=k --filename="$VDEV" --rw=randwrite --bs=64k --size=32M --direct=1 \
	--iodepth=8 --ioengine=libaio --time_based --runtime=60 --eta=never \
	--output="$WORK/fio.out" &
fio_pid=$!
sleep 3
kill -0 "$fio_pid" 2>/dev/null || fail "fio ended before the kill"
say "killing qemu-storage-daemon (pid $QSD_PID) during fio"
kill -9 "$QSD_PID"
wait "$QSD_PID" 2>/dev/null || true
QSD_PID=
# fio must not hang: 30 s is far beyond any I/O timeout we would accept.
if ! timeout 30 tail --pid="$fio_pid" -f /dev/null; then
	kill -9 "$fio_pid" 2>/dev/null || true
	fail "fio still running 30 s after the backend died (hung I/O)"
fi
status=0
wait "$fio_pid" || status=$?
[ "$status" != 0 ] || fail "fio succeeded although its disk's backend died"
grep -qiE "error|err=" "$WORK/fio.out" || fail "fio output has no I/O error"
say "fio failed with status $status: $(grep -oE 'err= *[0-9]+[^:]*' "$WORK/fio.out" | head -1)"
timeout 30 tail --pid="$ADAPTER_PID" -f /dev/null || fail "adapter did not exit after its only backend died"
wait "$ADAPTER_PID" || true
ADAPTER_PID=
for _ in $(seq 100); do [ -e "$VDEV" ] || break; sleep 0.1; done
[ -e "$VDEV" ] && fail "$VDEV still there after the backend died"
unload_module
say "module unloaded; PASS"
