#!/bin/bash
# In the guest: a zone's transport work stays on the zone's CPU. The
# backend runs on CPU 1 only (taskset, as vlo-zoned pins a zone), aplay on
# CPU 0. While the stream plays, every run of the module's zap work (which
# revokes the backend's mapping of each completed buffer, and whose TLB
# flush must reach the backend's CPU) must be on CPU 1: queued on the CPU
# that unmapped, which for a completion is the backend's, not on a kernel
# worker of any CPU, which may be another zone's. Seen by the workqueue
# tracepoints; at least 50 runs (of about 200 completions) must be seen,
# so a stream that did not play fails too.
. "$(dirname "$0")/snd-lib.sh"
TRACE=/sys/kernel/tracing
[ -d "$TRACE/events/workqueue" ] || mount -t tracefs nodev "$TRACE" 2>/dev/null || true
[ -e "$TRACE/events/workqueue/workqueue_execute_start/enable" ] ||
	fail "no workqueue tracepoints under $TRACE"
[ "$(nproc)" -ge 2 ] || fail "needs 2 CPUs, has $(nproc)"

load_module
BACKEND_WRAP="taskset -c 1" start_card zone playback:null
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 4 --seed 3 "$WORK/play.wav"
taskset -c 0 aplay -q -D "hw:$CARD,0" --period-time=10000 --buffer-time=200000 "$WORK/play.wav" &
ap=$!
# The steady state only: 1 s after the start to 1 s before the end (the
# stream's setup and teardown unmap from other contexts).
sleep 1
echo >"$TRACE/trace"
echo 1 >"$TRACE/events/workqueue/workqueue_execute_start/enable"
sleep 2
echo 0 >"$TRACE/events/workqueue/workqueue_execute_start/enable"
wait "$ap" || fail "aplay failed"
# lines: "<comm>-<pid> [CPU] <flags> <ts>: workqueue_execute_start: work struct ... function vlo_zap_work"
grep 'function vlo_zap_work' "$TRACE/trace" >"$WORK/zaps" || true
n=$(wc -l <"$WORK/zaps")
per_cpu=$(sed -E 's/.*\[0*([0-9]+)\].*/\1/' "$WORK/zaps" | sort | uniq -c | awk '{ printf "%s%d on CPU %d", (NR > 1 ? ", " : ""), $1, $2 }')
say "zap work runs in 2 s of playing: $n (${per_cpu:-none})"
# 10 ms periods: about 200 completions in 2 s; a run may zap several.
[ "$n" -ge 50 ] || fail "only $n zap work runs in 2 s of playing (expected one per completion or so)"
if off=$(grep -Ev '\[0*1\]' "$WORK/zaps"); then
	fail "zap work ran off the backend's CPU 1: $(head -3 <<<"$off")"
fi
check_dmesg
stop_all || fail "a backend or adapter did not stop cleanly"
unload_module
say "PASS"
