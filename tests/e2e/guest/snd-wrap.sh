#!/bin/bash
# In the guest: tests/e2e/snd-wrap.test. One virtio card, playback bound to
# snd-aloop's hw:Loopback,0,0. Six times: aplay plays 1.5 s with 512-frame
# periods in a 2048-frame buffer (4 periods; aplay fills the buffer before
# START, so virtio_snd queues all 4 periods at the device at once), and as
# soon as the stream is RUNNING the backend is stopped (SIGSTOP) for 200 ms,
# far longer than the 4 periods (43 ms): the host PCM runs dry, and when the
# backend goes on, everything its end held has played.
#
# Linux 6.12's virtio_snd takes its position as completed bytes modulo the
# buffer and queues periods only as far as that position moved since its
# pointer callback last ran. If the end took all 4 periods at START (the
# backend before this fix), all 4 complete in the backend's first round
# after the stop: virtio_snd sees its position where it was, and the card
# either stalls for good, RUNNING with hw_ptr frozen (PipeWire,
# docs/appliance.md), or, when enough time has passed since ALSA last read
# the position, ALSA's core moves it a whole buffer and aplay underruns,
# its ring played out. The end now holds at most the guest's periods minus
# one (3 here), so one round cannot complete them all. The backend before
# the fix failed 3 runs of 3 (plays 1, then 1 and 4 underran; plays 2, 5
# and 2 stalled); the fixed one passed 3 of 3 with no underrun.
#
# aplay runs non-blocking (-N: it waits in poll, 100 ms at a time, and tries
# again), so ALSA's write timeout (1.1 buffer times, at least 100 ms), which
# a blocking write meets in such a stop whatever the backend does, cannot
# fail it. Between STOP and CONT only shell builtins run (kill, and read's
# timeout on a FIFO nobody writes as the sleep): a process would take tens
# of milliseconds to start under TCG.
#
# Checked: every play ends with status 0 within 30 s (a stalled card keeps
# aplay waiting for ever); at most 2 of the 6 plays underran (the fixed
# backend leaves aplay a period to refill, which a guest on one emulated
# vCPU could miss now and then); the backend's host PCM ran dry in at
# least half the plays (so the case was really exercised) and held 3
# periods; a second backend with --host-periods 8 gives a 16-period guest
# stream an end of 8 periods; a clean kernel log.
. "$(dirname "$0")/snd-lib.sh"

modprobe snd-aloop || fail "modprobe snd-aloop"
load_module
start_card wrap playback:hw:Loopback,0,0
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 1.5 --seed 7 "$WORK/play.wav"
status=/proc/asound/card$CARD/pcm0p/sub0/status
mkfifo "$WORK/never"
exec 9<>"$WORK/never"
plays=6 underran=0
for i in $(seq "$plays"); do
	aplay -q -N -D "hw:$CARD,0" --period-size=512 --buffer-size=2048 "$WORK/play.wav" \
		2>"$WORK/aplay$i.log" &
	aplay_pid=$!
	# The first line of the status file is the state: read it with a
	# builtin, every 2 ms, for at most 10 s.
	line=
	for _ in $(seq 5000); do
		read -r line <"$status" 2>/dev/null || true
		[ "$line" = "state: RUNNING" ] && break
		read -r -t 0.002 -u 9 _ || true
	done
	[ "$line" = "state: RUNNING" ] || fail "play $i: the stream did not start within 10 s"
	kill -STOP "$BACKEND_PID"
	read -r -t 0.2 -u 9 _ || true
	kill -CONT "$BACKEND_PID"
	if ! timeout 30 tail --pid="$aplay_pid" -f /dev/null; then
		sed 's/^/  status: /' "$status" >&2
		kill "$aplay_pid" 2>/dev/null
		fail "play $i: aplay still running 30 s after the stop: the card stalled"
	fi
	st=0
	wait "$aplay_pid" || st=$?
	[ "$st" = 0 ] || { sed 's/^/  aplay: /' "$WORK/aplay$i.log" >&2; fail "play $i: aplay failed (status $st)"; }
	if grep -q underrun "$WORK/aplay$i.log"; then
		underran=$((underran + 1))
		say "play $i: aplay underran"
	fi
done
exec 9>&-
say "$plays plays, each with the backend stopped 200 ms right after START: none stalled, $underran underran"
[ "$underran" -le 2 ] || fail "$underran of $plays plays underran: the position jumped a whole buffer"
stop_all || fail "a process did not stop cleanly"
# The end logs "closed after N underruns" at the end of a play that had
# any. A stop can come before the audio thread wrote to the end (nothing
# to run dry then): half the plays must have exercised the case.
n=$(grep -c 'closed after [0-9]* underruns' "$WORK/wrap.log" || true)
[ "$n" -ge $((plays / 2)) ] ||
	fail "the backend's host PCM ran dry in $n of $plays plays: the case was not exercised"
say "the backend's host PCM ran dry in $n of $plays plays"
grep -q 'period 512, buffer 1536 frames' "$WORK/wrap.log" ||
	fail "the end's host buffer was not 3 periods of 512: $(grep -m1 'buffer' "$WORK/wrap.log")"

# --host-periods reaches the end: 8 of a 16-period guest buffer.
BACKEND_ARGS="--host-periods 8" start_card deep playback:hw:Loopback,0,1
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 0.5 "$WORK/short.wav"
aplay -q -D "hw:$CARD,0" --period-size=512 --buffer-size=8192 "$WORK/short.wav" ||
	fail "aplay on the --host-periods 8 card failed"
grep -q 'period 512, buffer 4096 frames' "$WORK/deep.log" ||
	fail "--host-periods 8: the end's buffer is not 8 periods: $(grep -m1 'buffer' "$WORK/deep.log")"
say "--host-periods 8: the end took 8 periods of the guest's 16"
stop_all || fail "a process did not stop cleanly"
check_dmesg
unload_module
say "PASS"
