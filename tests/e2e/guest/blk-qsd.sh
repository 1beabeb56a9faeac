#!/bin/bash
# In the guest: qemu-storage-daemon's vhost-user-blk export becomes /dev/vdX
# through virtio-loopback-adapter; fio write+verify (sequential and random),
# then ext4 with a file copy compared by sha256 after a remount; then the
# adapter stops, the disk goes away, --reconnect brings it back after the
# backend returns, one adapter serves two devices, and the module unloads.
#
# Usage: blk-qsd.sh [--zero-copy | --no-zero-copy]
#   (none)          the adapter's default for blk: zero-copy
#                   (VLO_CREATE_F_ZERO_COPY: whole-page buffers the device
#                   reads are mapped directly, a shadow used ring); the
#                   kernel log must not show a direct buffer unmapped
#                   before its completion
#   --zero-copy     the same, asked for explicitly
#   --no-zero-copy  every adapter bounces every buffer
. "$(dirname "$0")/blk-qsd-lib.sh"

MODE=()
case "${1:-}" in
'') ;;
--zero-copy) MODE=(--zero-copy); me="$me (zero-copy)" ;;
--no-zero-copy) MODE=(--no-zero-copy); me="$me (bounced)" ;;
*) fail "unknown argument '$1'" ;;
esac

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
start_adapter "${MODE[@]}"

say "fio: 32 MiB sequential 64k direct writes, crc32c verify"
fio --name=v --filename="$VDEV" --rw=write --bs=64k --size=32M --verify=crc32c \
	--direct=1 --eta=never --output="$WORK/fio.out" || { cat "$WORK/fio.out"; fail "fio"; }
grep -E "WRITE:|READ:|err=" "$WORK/fio.out" | sed 's/^/  /'
grep -q "err= 0" "$WORK/fio.out" || fail "fio reported errors"
say "fio: 8 MiB random 4k direct writes, iodepth 8, crc32c verify"
fio --name=r --filename="$VDEV" --rw=randwrite --bs=4k --size=8M --verify=crc32c \
	--direct=1 --iodepth=8 --ioengine=libaio --eta=never --output="$WORK/fio2.out" ||
	{ cat "$WORK/fio2.out"; fail "fio random"; }
grep -q "err= 0" "$WORK/fio2.out" || fail "fio random reported errors"

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
if grep -q "unmapped before its completion" <<<"$(dmesg)"; then
	fail "the kernel log shows a direct buffer unmapped before its completion"
fi

stop_adapter
wait_gone "after the adapter stopped"
say "adapter stopped (no valgrind errors or leaks), $VDEV removed"

# --reconnect: the backend goes away while idle and comes back.
ADAPTER_WRAP=
start_adapter --reconnect "${MODE[@]}"
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

# Two devices in one adapter process: a second export on its own 32 MiB
# image. Each disk reads back its own data (no cross-talk), and both go
# away when the adapter stops.
SOCK2=$WORK/blk2.sock IMG2=$WORK/disk2.img
truncate -s 32M "$IMG2"
qemu-storage-daemon --blockdev "file,node-name=file1,filename=$IMG2" \
	--export "type=vhost-user-blk,id=exp1,node-name=file1,writable=on,addr.type=unix,addr.path=$SOCK2" \
	>>"$WORK/qsd.log" 2>&1 &
QSD2_PID=$!
for _ in $(seq 100); do [ -S "$SOCK2" ] && break; sleep 0.1; done
[ -S "$SOCK2" ] || fail "the second qemu-storage-daemon did not create $SOCK2"
before=$(vd_list)
"$ADAPTER" --device blk --socket-path "$SOCK" "${MODE[@]}" --device blk --socket-path "$SOCK2" "${MODE[@]}" \
	>>"$WORK/adapter.log" 2>&1 &
ADAPTER_PID=$!
VD64='' VD32=''
for _ in $(seq 200); do
	for d in $(vd_list); do
		grep -qx "$d" <<<"$before" && continue
		case "$(cat "/sys/block/$d/size" 2>/dev/null)" in
		131072) VD64=/dev/$d ;;
		65536) VD32=/dev/$d ;;
		esac
	done
	[ -n "$VD64" ] && [ -n "$VD32" ] && [ -b "$VD64" ] && [ -b "$VD32" ] && break
	kill -0 "$ADAPTER_PID" 2>/dev/null || fail "the two-device adapter exited"
	sleep 0.1
done
[ -b "$VD64" ] && [ -b "$VD32" ] || fail "two disks from one adapter: got '$VD64' and '$VD32'"
head -c 1M /dev/urandom >"$WORK/a"
head -c 1M /dev/urandom >"$WORK/b"
dd if="$WORK/a" of="$VD64" bs=64k oflag=direct status=none
dd if="$WORK/b" of="$VD32" bs=64k oflag=direct status=none
dd if="$VD64" of="$WORK/a.back" bs=64k count=16 iflag=direct status=none
dd if="$VD32" of="$WORK/b.back" bs=64k count=16 iflag=direct status=none
cmp "$WORK/a.back" "$WORK/a" || fail "$VD64 (first device) does not read back its data"
cmp "$WORK/b.back" "$WORK/b" || fail "$VD32 (second device) does not read back its data"
say "one adapter, two devices: $VD64 and $VD32 each read back their own 1 MiB"
stop_adapter
for VDEV in "$VD64" "$VD32"; do wait_gone "after the two-device adapter stopped"; done
kill "$QSD2_PID"; wait "$QSD2_PID" || true
kill "$QSD_PID"; wait "$QSD_PID" || true; QSD_PID=
unload_module
say "module unloaded; PASS"
