#!/bin/bash
# In the guest: kill qemu-storage-daemon while fio writes to its /dev/vdX.
# fio must end with I/O errors within a bound (not hang), every write fio
# saw acknowledged must be in the backing file (no request in flight may be
# reported done: fio's verify state, replayed on the file), the adapter must
# remove the device, the kernel log must stay clean (the bench checks) and
# the module must unload.
. "$(dirname "$0")/blk-qsd-lib.sh"

load_module
start_qsd
start_adapter

# Sequential writes with a verify header in each block, at 8 MB/s (48 MiB:
# 6 s, far longer than the time to the kill). allow_file_create=0: should
# the disk be gone already, fio must not write a regular file in its place.
fio_job=(--name=k --rw=write --bs=64k --size=48M --verify=crc32c --eta=never)
(cd "$WORK" && exec fio "${fio_job[@]}" --filename="$VDEV" --allow_file_create=0 \
	--direct=1 --rate=8m --iodepth=8 --ioengine=libaio --do_verify=0 \
	--verify_state_save=1 --output="$WORK/fio.out") &
fio_pid=$!
# Kill once the disk has taken 2 MiB (sectors written, /sys/block/X/stat).
vd=${VDEV#/dev/} written=0
for _ in $(seq 300); do
	written=$(awk '{print $7}' "/sys/block/$vd/stat")
	[ "$written" -ge 4096 ] && break
	kill -0 "$fio_pid" 2>/dev/null || break
	sleep 0.1
done
[ "$written" -ge 4096 ] || fail "fio wrote only $written sectors in 30 s (or ended: see $WORK/fio.out)"
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
# Every write fio saw completed is in the file; the ones in flight at the
# kill must have failed, not been reported done (fio's saved state lists
# what completed; --verify_only replays it on the backing file).
[ -s "$WORK/local-k-0-verify.state" ] || fail "fio saved no verify state"
(cd "$WORK" && fio "${fio_job[@]}" --filename="$IMG" --ioengine=psync --verify_only \
	--verify_state_load=1 --output="$WORK/verify.out") ||
	{ sed 's/^/  fio: /' "$WORK/verify.out" >&2
	  fail "a write acknowledged to fio is not in the backing file"; }
checked=$(sed -n 's/.*issued rwts: total=\([0-9]*\),.*/\1/p' "$WORK/verify.out")
[ "${checked:-0}" -gt 0 ] || fail "fio's verify state held no completed write"
say "the $checked writes acknowledged before the kill are all in the backing file"
finish_after_backend "died"
