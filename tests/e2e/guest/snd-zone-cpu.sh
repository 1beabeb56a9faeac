#!/bin/bash
# In the guest: a zone's transport work stays on the zone's CPU. The
# backend runs on CPU 1 only (taskset, as vlo-zoned pins a zone), aplay on
# CPU 0. While the stream plays, the module revokes the backend's mapping
# of each completed buffer on the backend's own return from the write of
# its call eventfd (task work), so the zap and its TLB flush happen in the
# backend's audio thread, on its CPU, with its mm loaded: a flush of the
# few zapped pages ("local mm shootdown"). Not in a kernel worker, which
# may run on another zone's CPU, and whose zap, done in a borrowed (lazy)
# mm, costs the backend a full TLB flush when it runs next.
# Seen by the tlb and workqueue tracepoints over 2 s of steady playing
# (about 200 completions): at least 50 such flushes by the audio thread,
# all on CPU 1, and no run of the module's zap work item. A stream that
# did not play fails too.
. "$(dirname "$0")/snd-lib.sh"
TRACE=/sys/kernel/tracing
[ -d "$TRACE/events/workqueue" ] || mount -t tracefs nodev "$TRACE" 2>/dev/null || true
for ev in workqueue/workqueue_execute_start tlb/tlb_flush; do
	[ -e "$TRACE/events/$ev/enable" ] || fail "no $ev tracepoint under $TRACE"
done
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
echo 1 >"$TRACE/events/tlb/tlb_flush/enable"
sleep 2
echo 0 >"$TRACE/events/tlb/tlb_flush/enable"
echo 0 >"$TRACE/events/workqueue/workqueue_execute_start/enable"
wait "$ap" || fail "aplay failed"
cp "$TRACE/trace" "$WORK/trace"
# lines: "<comm>-<pid> [CPU] <flags> <ts>: tlb_flush: pages:N reason:local mm shootdown (3)"
grep -E '^ *snd-io-[0-9]+-[0-9]+ .*tlb_flush: .*reason:local mm shootdown' "$WORK/trace" >"$WORK/zaps" || true
grep 'function vlo_zap_work' "$WORK/trace" >"$WORK/zap-works" || true
n=$(wc -l <"$WORK/zaps")
nw=$(wc -l <"$WORK/zap-works")
per_cpu=$(sed -E 's/.*\[0*([0-9]+)\].*/\1/' "$WORK/zaps" | sort | uniq -c | awk '{ printf "%s%d on CPU %d", (NR > 1 ? ", " : ""), $1, $2 }')
say "in 2 s of playing: $n page flushes by the audio thread (${per_cpu:-none}), $nw zap work runs"
# 10 ms periods: about 200 completions in 2 s; a return may zap several.
[ "$n" -ge 50 ] || fail "only $n page flushes by the audio thread in 2 s of playing (expected one per completion or so; $nw zap work runs)"
if off=$(grep -Ev '\[0*1\]' "$WORK/zaps"); then
	fail "the audio thread flushed off its CPU 1: $(head -3 <<<"$off")"
fi
[ "$nw" = 0 ] || fail "$nw zaps ran as work items, not on the backend's return: $(head -3 "$WORK/zap-works")"
check_dmesg
stop_all || fail "a backend or adapter did not stop cleanly"
unload_module
say "PASS"
