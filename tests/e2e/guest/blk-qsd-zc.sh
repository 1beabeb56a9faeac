#!/bin/bash
# In the guest: qemu-storage-daemon's vhost-user-blk export through
# virtio-loopback-adapter --zero-copy (VLO_CREATE_F_ZERO_COPY: whole-page
# buffers mapped directly, a shadow used ring): fio write+verify with direct
# I/O, ext4 with a file copy compared by sha256 after a remount, no
# "unmapped before its completion" in the kernel log; then a short fio
# sequential read, with and without the flag, for the record.
. "$(dirname "$0")/blk-qsd-lib.sh"

load_module
start_qsd
start_adapter --zero-copy

say "zero-copy fio: 32 MiB sequential 64k direct writes, crc32c verify"
fio --name=v --filename="$VDEV" --rw=write --bs=64k --size=32M --verify=crc32c \
	--direct=1 --eta=never --output="$WORK/fio.out" || { cat "$WORK/fio.out"; fail "fio"; }
grep -q "err= 0" "$WORK/fio.out" || fail "fio reported errors"
say "zero-copy fio: 4k random direct writes, crc32c verify"
fio --name=r --filename="$VDEV" --rw=randwrite --bs=4k --size=8M --verify=crc32c \
	--direct=1 --iodepth=8 --ioengine=libaio --eta=never --output="$WORK/fio2.out" ||
	{ cat "$WORK/fio2.out"; fail "fio random"; }
grep -q "err= 0" "$WORK/fio2.out" || fail "fio random reported errors"

say "zero-copy ext4: mkfs, mount, copy, remount, compare"
mkfs.ext4 -q -F "$VDEV" || fail "mkfs.ext4"
mkdir -p "$WORK/mnt"
mount "$VDEV" "$WORK/mnt" || fail "mount"
head -c 12M /dev/urandom >"$WORK/data.bin"
cp "$WORK/data.bin" "$WORK/mnt/"
umount "$WORK/mnt"
echo 3 >/proc/sys/vm/drop_caches
mount "$VDEV" "$WORK/mnt" || fail "mount again"
[ "$(sha256sum <"$WORK/data.bin")" = "$(sha256sum <"$WORK/mnt/data.bin")" ] ||
	fail "data.bin differs after remount"
umount "$WORK/mnt"
say "zero-copy: fio verify and ext4 sha256 pass"
if grep -q "unmapped before its completion" <<<"$(dmesg)"; then
	fail "the kernel log shows a direct buffer unmapped before its completion"
fi

bench() {
	fio --name=b --filename="$VDEV" --rw=read --bs=128k --size=32M --direct=1 \
		--iodepth=16 --ioengine=libaio --runtime=4 --time_based --eta=never \
		--output-format=terse --terse-version=3 --output="$WORK/b.out" || fail "fio bench"
	# terse v3: field 7 is read bandwidth in KiB/s
	say "$1: seq read 128k direct: $(cut -d';' -f7 "$WORK/b.out") KiB/s"
}
bench "zero-copy"
stop_adapter
wait_gone "after the adapter stopped"
start_adapter
bench "bounced"
stop_adapter
wait_gone "after the adapter stopped"
kill "$QSD_PID"; wait "$QSD_PID" || true; QSD_PID=
unload_module
say "module unloaded; PASS"
