# Sourced by the sound guest scripts: vhost-user-sound backends attached
# through virtio-loopback-adapter, each backend its own process and its own
# adapter, each a "VirtIO SoundCard" of the guest's virtio_snd.
set -euo pipefail
REPO=${VLO_REPO:-$(cd "$(dirname "$0")/../../.." && pwd -P)}
KO=${VLO_KO:-$REPO/build/driver-$(uname -r)/virtio_loopback.ko}
. "$(dirname "${BASH_SOURCE[0]}")/vlo-module.sh"
. "$(dirname "${BASH_SOURCE[0]}")/task-sched.sh"
ADAPTER=$REPO/build/adapter/virtio-loopback-adapter
# SND_BACKEND: another build of the backend (e.g. a deliberately broken one,
# to see a test fail: tests/vm/run -- env SND_BACKEND=... tests/e2e/guest/...).
BACKEND=${SND_BACKEND:-$REPO/build/sound-backend/vhost-user-sound}
TOOLS=$REPO/build/tests/tools
GUEST_PROGS=$REPO/build/tests/e2e	# snd-pace, snd-pause (tests/e2e/guest/guest.mk)
WORK=$(mktemp -d /tmp/snd.XXXXXX)
PIDS=()		# adapters first, then backends: stopped in that order
CARD=
me=$(basename "$0")
# The backend under valgrind memcheck (errors or definite/indirect leaks: exit
# 9). Its SIGBUS guard (lib/vhost-user/vhost_user_guard.c) resumes an access
# to guest memory the kernel revoked; by default valgrind keeps only SP and IP
# exact at memory accesses, so the resumed access runs with stale registers
# (seen: a NULL ring pointer in vq_pop after the adapter gave up mid-setup;
# test_vhost_user_backend's test_revoked_rings shows it on the host, and
# passes under valgrind with this option and natively).
VALGRIND_BACKEND="valgrind -q --vex-iropt-register-updates=allregs-at-mem-access --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9"
# Kernel log lines that mean virtio_snd trouble (check_dmesg).
SND_KLOG_TROUBLE='timeout|failed to flush I/O queue|invalid I/O queue state|failed to send|Lost interrupts\?|BUG:|WARNING:|Oops|Call Trace'

say() { echo "$me: $*"; }
dump_logs() {
	local f
	for f in "$WORK"/*.log; do
		[ -s "$f" ] && sed "s|^|  $(basename "$f" .log): |" "$f" >&2
	done
	dmesg | { grep -E "$SND_KLOG_TROUBLE" || true; } | sed 's|^|  kernel: |' >&2
	true
}
fail() {
	echo "$me: FAIL: $*" >&2
	dump_logs
	exit 1
}

# Stop every adapter and then every backend; 1 if one needed SIGKILL.
stop_all() {
	local p st=0 kind
	for kind in adapter backend; do
		for p in "${PIDS[@]}"; do
			[ "${p%%:*}" = "$kind" ] || continue
			p=${p#*:}
			kill "$p" 2>/dev/null || continue
			if ! timeout 30 tail --pid="$p" -f /dev/null; then
				echo "$me: $kind $p did not stop on SIGTERM" >&2
				kill -9 "$p" 2>/dev/null
				st=1
			fi
			local ps=0
			wait "$p" 2>/dev/null || ps=$?
			# A backend exits 0 on SIGTERM (valgrind errors or leaks: 9).
			if [ "$kind" = backend ] && [ "$ps" != 0 ]; then
				echo "$me: backend $p exited with status $ps" >&2
				st=1
			fi
		done
	done
	PIDS=()
	return $st
}


cleanup() {
	stop_all || true
	grep -q '^virtio_loopback ' /proc/modules && rmmod virtio_loopback 2>/dev/null
	true
}
trap cleanup EXIT

load_module() {
	[ -x "$ADAPTER" ] || fail "$ADAPTER missing: make"
	[ -x "$BACKEND" ] || fail "$BACKEND missing: make"
	vlo_insmod
	# SND_MSG_TIMEOUT_MS: virtio_snd's control timeout (default 1000 ms).
	modprobe virtio_snd ${SND_MSG_TIMEOUT_MS:+msg_timeout_ms=$SND_MSG_TIMEOUT_MS} ||
		fail "modprobe virtio_snd"
}

virtio_cards() { sed -n 's/^ *\([0-9][0-9]*\) \[.*VirtIO SoundCard.*/\1/p' /proc/asound/cards; }

# start_card NAME STREAM...: a backend (log NAME.log) with --stream STREAM
# each, its adapter (NAME-adapter.log); waits for the new card, sets CARD
# and BACKEND_PID.
start_card() {
	local name=$1 sock=$WORK/$1.sock s args=()
	shift
	for s in "$@"; do args+=(--stream "$s"); done
	# shellcheck disable=SC2086 # BACKEND_ARGS: more options, word-split
	${BACKEND_WRAP:-} "$BACKEND" --name "$name" --socket-path "$sock" ${BACKEND_ARGS:-} "${args[@]}" \
		>>"$WORK/$name.log" 2>&1 &
	BACKEND_PID=$!
	PIDS+=("backend:$!")
	# 30 s: a busy host can take long to start a process in the guest.
	for _ in $(seq 300); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || fail "$name: backend did not create $sock within 30 s"
	attach_card "$name"
}

# check_sched PID PRIO: every thread of process PID runs SCHED_FIFO at PRIO
# (PRIO 0: every thread SCHED_OTHER), and there are at least MIN threads
# (default 1); read with task_sched (task-sched.sh).
check_sched() {
	local pid=$1 prio=$2 min=${3:-1} t n=0 want
	want=$([ "$prio" = 0 ] && echo "0 0" || echo "$prio 1")
	for t in /proc/"$pid"/task/*; do
		task_sched "$t" || continue	# a thread that just ended
		[ "$TASK_PRIO $TASK_POLICY" = "$want" ] ||
			fail "thread ${t##*/} of $pid: rt_priority/policy $TASK_PRIO $TASK_POLICY, want $want"
		n=$((n + 1))
	done
	[ "$n" -ge "$min" ] || fail "process $pid has $n thread(s), want at least $min"
	say "process $pid: $n threads, rt_priority/policy $want"
}

# attach_card NAME: an adapter for NAME's running backend (again, after
# detach_card); waits for the new card, sets CARD and ADAPTER_PID.
attach_card() {
	local name=$1 sock=$WORK/$1.sock before c
	before=$(virtio_cards)
	# shellcheck disable=SC2086 # ADAPTER_ARGS: more options (e.g. --zero-copy), word-split
	"$ADAPTER" --device sound --socket-path "$sock" ${ADAPTER_ARGS:-} >>"$WORK/$name-adapter.log" 2>&1 &
	ADAPTER_PID=$!
	PIDS+=("adapter:$!")
	for _ in $(seq 200); do
		for c in $(virtio_cards); do
			grep -qx "$c" <<<"$before" && continue
			for _ in $(seq 50); do
				[ -e /dev/snd/pcmC${c}D0p ] || [ -e /dev/snd/pcmC${c}D0c ] && break
				sleep 0.1
			done
			CARD=$c
			say "$name is card $c ($(readlink -f /sys/class/sound/card$c/device))"
			return 0
		done
		sleep 0.1
	done
	fail "$name: no new VirtIO SoundCard within 20 s"
}

# The guest kernel log must show no virtio_snd trouble: no control message
# timeout, no I/O queue that failed to flush or was in an invalid state, no
# I/O message that could not be sent, no lost period interrupts (ALSA core),
# and no kernel problem report (the bench fails on those too, afterwards;
# here the test says where). Every sound test calls it at its end.
# SND_KLOG_EXPECTED: an extended regex of lines a test causes on purpose
# (default: none).
check_dmesg() {
	if dmesg | grep -E "$SND_KLOG_TROUBLE" | grep -Ev "${SND_KLOG_EXPECTED:-^\$}" >&2; then
		fail "the kernel log shows virtio_snd trouble (above)"
	fi
}

# detach_card CARDNUM: stop the adapter ADAPTER_PID (the card goes away, the
# backend sees its frontend leave and must wait for the next one).
detach_card() {
	local p
	kill "$ADAPTER_PID"
	timeout 30 tail --pid="$ADAPTER_PID" -f /dev/null || fail "adapter did not stop"
	wait "$ADAPTER_PID" 2>/dev/null || true
	for p in "${!PIDS[@]}"; do
		[ "${PIDS[$p]}" = "adapter:$ADAPTER_PID" ] && unset "PIDS[$p]"
	done
	PIDS=("${PIDS[@]}")
	for _ in $(seq 100); do [ -e /sys/class/sound/card$1 ] || return 0; sleep 0.1; done
	fail "card $1 still there after its adapter stopped"
}
