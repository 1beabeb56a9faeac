#!/bin/bash
# In the guest: one virtio sound card, playback bound to a wav: end. aplay
# is stopped in mid-stream, once with SIGINT (it closes the stream) and once
# with SIGKILL (the kernel closes it), 2 s into a 10 s file. After each
# stop:
#  - the wav end holds a prefix of the file, bit-exact, and less than all
#    of it (the stream really stopped in mid-stream);
#  - the backend is the same process, still alive (no restart hides a
#    crash);
# then a full playback on the same card arrives bit-exact (exactly the
# file's bytes), and the kernel log shows no virtio_snd trouble (check_dmesg:
# no control timeout, no I/O queue that failed to flush, no lost interrupts,
# no BUG/WARNING).
. "$(dirname "$0")/snd-lib.sh"
load_module
start_card cardA "playback:wav:$WORK/out.wav"
C=$CARD
PID0=$BACKEND_PID
STATUS=/proc/asound/card$C/pcm0p/sub0/status
# aplay with a 1.28 s buffer of 80 ms periods: a guest on a busy host can
# stand still for most of a second, and an underrun makes the end reopen
# its file (it would then hold only what came after).
APLAY=(aplay -q -D "hw:$C,0" --buffer-time=1280000 --period-time=80000)

# 10 s, stopped after about 2 s of running: even a guest that stands still
# now and then is well inside the file.
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 10 --seed 5 "$WORK/long.wav"
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 2 --seed 6 "$WORK/full.wav"

# backend_alive: the backend started first is still running (nothing here
# restarts it, so its pid is its identity) and still serves its frontend.
backend_alive() {
	kill -0 "$PID0" 2>/dev/null || fail "the backend (pid $PID0) died: $(tail -5 "$WORK/cardA.log")"
	! grep -q "frontend disconnected" "$WORK/cardA.log" ||
		fail "the backend lost its frontend: $(tail -5 "$WORK/cardA.log")"
}

# stop_midway SIGNAL: aplay killed by SIGNAL after 2 s of running.
stop_midway() {
	local sig=$1 p frames
	"${APLAY[@]}" "$WORK/long.wav" 2>"$WORK/aplay-$sig.log" & p=$!
	for _ in $(seq 300); do grep -q RUNNING "$STATUS" 2>/dev/null && break; sleep 0.1; done
	grep -q RUNNING "$STATUS" || fail "$sig: aplay did not start within 30 s"
	sleep 2
	kill -"$sig" $p || fail "$sig: aplay ended before it could be stopped"
	{ wait $p; } 2>/dev/null || true
	# The stream is closed when the status file says so (bounded).
	for _ in $(seq 100); do grep -q closed "$STATUS" && break; sleep 0.1; done
	grep -q closed "$STATUS" || fail "$sig: the stream is still open 10 s after aplay died"
	backend_alive
	if grep -q underrun "$WORK/aplay-$sig.log"; then
		say "$sig: aplay underran (the guest stood still): again"
		return 1
	fi
	frames=$("$TOOLS/wavstat" "$WORK/out.wav" | sed -n 's/.* frames \([0-9]*\) .*/\1/p')
	[ -n "$frames" ] && [ "$frames" -gt 0 ] ||
		fail "$sig: the wav end holds nothing"
	[ "$frames" -lt 480000 ] ||
		fail "$sig: the wav end holds all $frames frames: aplay was not stopped in mid-stream"
	"$TOOLS/wavcmp" --first "$frames" "$WORK/long.wav" "$WORK/out.wav" >"$WORK/cmp-$sig.log" 2>&1 &&
		grep -q 'at capture frame 0 ' "$WORK/cmp-$sig.log" ||
		fail "$sig: the wav end does not hold the file's first $frames frames: $(cat "$WORK/cmp-$sig.log")"
	say "$sig: stopped after $frames frames; the end holds exactly them, backend $PID0 alive"
}
for sig in INT KILL; do
	stop_midway $sig || stop_midway $sig || stop_midway $sig ||
		fail "$sig: aplay underran three times: the host is too busy"
done

# A full playback on the same card: exactly the file's bytes (2 s is a
# whole number of 80 ms periods: nothing padded).
"${APLAY[@]}" "$WORK/full.wav" 2>"$WORK/aplay-full.log" ||
	fail "aplay after the stops failed: $(cat "$WORK/aplay-full.log")"
cmp "$WORK/full.wav" "$WORK/out.wav" ||
	fail "out.wav ($(stat -c %s "$WORK/out.wav") bytes) is not byte-identical to full.wav" \
		"($(stat -c %s "$WORK/full.wav") bytes)"
backend_alive
say "a full playback after the stops: bit-exact"

check_dmesg
stop_all || fail "a process did not stop cleanly"
unload_module
say "PASS"
