#!/bin/bash
# In the guest: qemu-storage-daemon's vhost-user-blk export becomes /dev/vdX
# through virtio-loopback-adapter; fio write+verify, then ext4 with a file
# copy compared by sha256; then the adapter stops, the disk goes away and
# the module unloads.
. "$(dirname "$0")/blk-qsd-lib.sh"

load_module

# Clear one-line errors: no backend, and a backend of another type.
st=0; out=$("$ADAPTER" --device blk --socket-path "$WORK/none.sock" 2>&1) || st=$?
[ "$st" = 1 ] && grep -q "no backend socket at $WORK/none.sock" <<<"$out" || fail "missing socket: status $st: $out"
say "missing socket: $out"
start_qsd
st=0; out=$("$ADAPTER" --device sound --socket-path "$SOCK" 2>&1) || st=$?
[ "$st" = 1 ] && grep -q "device type mismatch" <<<"$out" || fail "sound on a blk backend: status $st: $out"
[ "$(wc -l <<<"$out")" = 1 ] || fail "mismatch error is not one line: $out"
say "sound on a blk backend: $out"
[ -z "$(vd_list)" ] || fail "a disk appeared for a refused backend"

ADAPTER_WRAP=${ADAPTER_WRAP-valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9}
command -v valgrind >/dev/null || ADAPTER_WRAP=
# A sanitized adapter (make check-sanitize) cannot run under valgrind; its
# own checks take valgrind's place.
grep -q libasan <<<"$(ldd "$ADAPTER" 2>/dev/null)" && ADAPTER_WRAP=
start_adapter

say "fio: 32 MiB sequential 64k direct writes, crc32c verify"
fio --name=v --filename="$VDEV" --rw=write --bs=64k --size=32M --verify=crc32c \
	--direct=1 --eta=never --output="$WORK/fio.out" || { cat "$WORK/fio.out"; fail "fio"; }
grep -E "WRITE:|READ:|err=" "$WORK/fio.out" | sed 's/^/  /'
grep -q "err= 0" "$WORK/fio.out" || fail "fio reported errors"

say "ext4: mkfs, mount, copy, compare"
mkfs.ext4 -q -F "$VDEV" || fail "mkfs.ext4"
mkdir -p "$WORK/mnt"
mount "$VDEV" "$WORK/mnt" || fail "mount"
head -c 12M /dev/urandom >"$WORK/data.bin"
cp "$WORK/data.bin" "$WORK/mnt/"
cp -r "$REPO/adapter" "$WORK/mnt/tree"
umount "$WORK/mnt"
echo 3 >/proc/sys/vm/drop_caches
mount "$VDEV" "$WORK/mnt" || fail "mount again"
want=$(sha256sum <"$WORK/data.bin")
got=$(sha256sum <"$WORK/mnt/data.bin")
[ "$want" = "$got" ] || fail "data.bin: sha256 $got, want $want"
diff -r "$REPO/adapter" "$WORK/mnt/tree" || fail "copied tree differs"
umount "$WORK/mnt"
say "ext4: sha256 of a 12 MiB file and a source tree match after remount"

stop_adapter
wait_gone "after the adapter stopped"
say "adapter stopped (no valgrind errors or leaks), $VDEV removed"

# --reconnect: the backend goes away while idle and comes back.
ADAPTER_WRAP=
start_adapter --reconnect
kill "$QSD_PID"; wait "$QSD_PID" || true; QSD_PID=
wait_gone "after the backend quit (with --reconnect)"
kill -0 "$ADAPTER_PID" || fail "adapter exited although --reconnect was given"
say "backend stopped: $VDEV removed, adapter waiting"
before=$(vd_list)
start_qsd
wait_new_vd "$before"
say "backend back: $VDEV again"
head -c 1M /dev/urandom >"$WORK/1m"
dd if="$WORK/1m" of="$VDEV" bs=64k oflag=direct status=none
dd if="$VDEV" of="$WORK/1m.back" bs=64k count=16 iflag=direct status=none
cmp "$WORK/1m.back" "$WORK/1m" || fail "data after reconnect differs"
say "1 MiB direct write/read after reconnect matches"
stop_adapter
wait_gone "after the adapter stopped"
kill "$QSD_PID"; wait "$QSD_PID" || true; QSD_PID=
unload_module
say "module unloaded; PASS"
