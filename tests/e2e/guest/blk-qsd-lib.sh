# Sourced by the blk-qsd guest scripts: qemu-storage-daemon's vhost-user-blk
# export on a file in /tmp, attached through virtio-loopback-adapter.
set -euo pipefail
REPO=${VLO_REPO:-$(cd "$(dirname "$0")/../../.." && pwd -P)}
KO=${VLO_KO:-$REPO/build/driver-$(uname -r)/virtio_loopback.ko}
. "$(dirname "${BASH_SOURCE[0]}")/vlo-module.sh"
ADAPTER=$REPO/build/adapter/virtio-loopback-adapter
WORK=$(mktemp -d /tmp/blk-qsd.XXXXXX)
SOCK=$WORK/blk.sock
IMG=$WORK/disk.img
QSD_PID= ADAPTER_PID= VDEV=
me=$(basename "$0")

say() { echo "$me: $*"; }
fail() {
	echo "$me: FAIL: $*" >&2
	[ -s "$WORK/adapter.log" ] && sed 's/^/  adapter: /' "$WORK/adapter.log" >&2
	[ -s "$WORK/qsd.log" ] && sed 's/^/  qsd: /' "$WORK/qsd.log" >&2
	[ -s "$WORK/backend.log" ] && sed 's/^/  backend: /' "$WORK/backend.log" >&2
	exit 1
}

cleanup() {
	[ -n "$ADAPTER_PID" ] && kill "$ADAPTER_PID" 2>/dev/null && wait "$ADAPTER_PID" 2>/dev/null
	[ -n "$QSD_PID" ] && kill "$QSD_PID" 2>/dev/null && wait "$QSD_PID" 2>/dev/null
	true
}
trap cleanup EXIT

load_module() {
	[ -x "$ADAPTER" ] || fail "$ADAPTER missing: make -C adapter"
	command -v qemu-storage-daemon >/dev/null || fail "qemu-storage-daemon missing (qemu-system-common)"
	command -v fio >/dev/null || fail "fio missing"
	vlo_insmod
	modprobe virtio_blk || fail "modprobe virtio_blk"
}

start_qsd() {
	[ -f "$IMG" ] || truncate -s 64M "$IMG"
	rm -f "$SOCK"
	qemu-storage-daemon \
		--blockdev "file,node-name=file0,filename=$IMG" \
		--export "type=vhost-user-blk,id=exp0,node-name=file0,writable=on,addr.type=unix,addr.path=$SOCK" \
		>>"$WORK/qsd.log" 2>&1 &
	QSD_PID=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	fail "qemu-storage-daemon did not create $SOCK"
}

vd_list() { ls /sys/block 2>/dev/null | grep '^vd' || true; }

# Start the adapter and wait for the new /dev/vdX; sets VDEV.
start_adapter() {
	local before after d
	before=$(vd_list)
	${ADAPTER_WRAP:-} "$ADAPTER" -v --device blk --socket-path "$SOCK" "$@" >>"$WORK/adapter.log" 2>&1 &
	ADAPTER_PID=$!
	for _ in $(seq 200); do
		after=$(vd_list)
		for d in $after; do
			if ! grep -qx "$d" <<<"$before"; then
				VDEV=/dev/$d
				for _ in $(seq 50); do [ -b "$VDEV" ] && break; sleep 0.1; done
				[ -b "$VDEV" ] || fail "$VDEV: no block node"
				say "$VDEV appeared ($(cat /sys/block/$d/size) sectors)"
				return 0
			fi
		done
		kill -0 "$ADAPTER_PID" 2>/dev/null || fail "adapter exited"
		sleep 0.1
	done
	fail "no /dev/vdX appeared within 20 s"
}

stop_adapter() {
	kill "$ADAPTER_PID"
	timeout 30 tail --pid="$ADAPTER_PID" -f /dev/null || fail "adapter did not exit on SIGTERM"
	local st=0
	wait "$ADAPTER_PID" || st=$?
	ADAPTER_PID=
	[ "$st" = 0 ] || fail "adapter exited with status $st after SIGTERM (valgrind errors/leaks give 9)"
}

# Wait until VDEV is gone.
wait_gone() {
	for _ in $(seq 100); do [ -e "$VDEV" ] || return 0; sleep 0.1; done
	fail "$VDEV still there: $1"
}

# finish_after_backend WHAT: the only backend WHAT (died, went away): the
# adapter exits by itself, the disk goes, the module unloads.
finish_after_backend() {
	timeout 30 tail --pid="$ADAPTER_PID" -f /dev/null || fail "adapter did not exit after its only backend $1"
	wait "$ADAPTER_PID" || true
	ADAPTER_PID=
	wait_gone "after the backend $1"
	unload_module
	say "module unloaded; PASS"
}

# Wait for a /dev/vdX not in $1; sets VDEV.
wait_new_vd() {
	local d
	for _ in $(seq 200); do
		for d in $(vd_list); do
			grep -qx "$d" <<<"$1" && continue
			VDEV=/dev/$d
			for _ in $(seq 50); do [ -b "$VDEV" ] && return 0; sleep 0.1; done
		done
		sleep 0.1
	done
	fail "no new /dev/vdX within 20 s"
}

