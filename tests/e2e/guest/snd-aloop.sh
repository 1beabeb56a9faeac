#!/bin/bash
# In the guest: two virtio sound cards, each its own vhost-user-sound process,
# bound to snd-aloop's hw:Loopback,0,0 and hw:Loopback,0,1. Two different
# noise files played at the same time are captured on hw:Loopback,1,0 and
# hw:Loopback,1,1: each capture holds its own card's samples bit-exact and
# not the other's. Card A also has a capture stream reading a WAV file:
# arecord on it returns that file's samples. Clean kernel log, module unloads.
. "$(dirname "$0")/snd-lib.sh"
modprobe snd-aloop || fail "modprobe snd-aloop"
load_module

# snd-aloop loses up to a jiffy when a playback stops: noise, then 250 ms of
# silence, and only the noise must arrive (see tests/vm/README.md).
fmt=(-f S16_LE -r 48000 -c 2)
alsa_opts=(--period-time=20000 --buffer-time=200000)
"$TOOLS/wavgen" "${fmt[@]}" -d 1.5 --silence-after 0.25 --seed 31 "$WORK/a-in.wav"
"$TOOLS/wavgen" "${fmt[@]}" -d 1.5 --silence-after 0.25 --seed 32 "$WORK/b-in.wav"
"$TOOLS/wavgen" "${fmt[@]}" -d 1 --seed 33 "$WORK/src.wav"

start_card cardA playback:hw:Loopback,0,0 "capture:wav:$WORK/src.wav"
CA=$CARD
start_card cardB playback:hw:Loopback,0,1
CB=$CARD

underruns() { cat "$WORK"/card?.log 2>/dev/null | grep -c 'underrun' || true; }

# play_both: both files at once, each captured on its own substream; sets
# MISS to what did not arrive (cross-talk fails at once).
play_both() {
	local cap_pids=() sub pa pb sa=0 sb=0 n=$((48000 * 3 / 2))
	# Captures surely running before playback starts (as alsa-capture.sh).
	for sub in 0 1; do
		arecord -q -D "hw:Loopback,1,$sub" -d 60 "${fmt[@]}" "${alsa_opts[@]}" \
			"$WORK/cap$sub.wav" 2>"$WORK/arecord$sub.log" &
		cap_pids+=($!)
	done
	for sub in 0 1; do
		for _ in $(seq 200); do
			grep -q 'state: RUNNING' /proc/asound/Loopback/pcm1c/sub$sub/status 2>/dev/null && break
			sleep 0.05
		done
		grep -q 'state: RUNNING' /proc/asound/Loopback/pcm1c/sub$sub/status ||
			fail "capture on hw:Loopback,1,$sub did not start"
	done
	aplay -q "${alsa_opts[@]}" -D "hw:$CA,0" "$WORK/a-in.wav" 2>"$WORK/aplay-a.log" & pa=$!
	aplay -q "${alsa_opts[@]}" -D "hw:$CB,0" "$WORK/b-in.wav" 2>"$WORK/aplay-b.log" & pb=$!
	wait $pa || sa=$?
	wait $pb || sb=$?
	sleep 0.3
	kill -INT "${cap_pids[@]}" 2>/dev/null
	for sub in "${cap_pids[@]}"; do wait "$sub" || true; done
	[ $sa = 0 ] || fail "aplay on card $CA exited $sa"
	[ $sb = 0 ] || fail "aplay on card $CB exited $sb"
	MISS=
	"$TOOLS/wavcmp" --first $n "$WORK/a-in.wav" "$WORK/cap0.wav" || MISS="$MISS hw:Loopback,1,0 lacks card A's noise;"
	"$TOOLS/wavcmp" --first $n "$WORK/b-in.wav" "$WORK/cap1.wav" || MISS="$MISS hw:Loopback,1,1 lacks card B's noise;"
	! "$TOOLS/wavcmp" --first $n "$WORK/b-in.wav" "$WORK/cap0.wav" >/dev/null 2>&1 || fail "cross-talk B -> A"
	! "$TOOLS/wavcmp" --first $n "$WORK/a-in.wav" "$WORK/cap1.wav" >/dev/null 2>&1 || fail "cross-talk A -> B"
}
# A miss is played again (at most twice) only when a backend logged an
# underrun of its host device during the attempt: the emulated machine
# missing its time on a loaded host (the host buffer is 4 periods, 80 ms),
# not a fault of the path. Any other miss fails at once.
for attempt in 1 2 3; do
	before=$(underruns)
	play_both
	[ -n "$MISS" ] || break
	[ "$(underruns)" -gt "$before" ] || fail "$MISS"
	[ "$attempt" = 3 ] && fail "$MISS (after underruns, three times)"
	say "a backend's host device underran (load); playing again"
done
say "both cards bit-exact through snd-aloop, no cross-talk"

# (c) capture: the wav end loops src.wav; 0.5 s recorded must be its samples.
arecord -q -D "hw:$CA,0" "${fmt[@]}" -d 1 "$WORK/rec.wav" 2>"$WORK/arecord-virtio.log" ||
	fail "arecord on card $CA failed"
"$TOOLS/wavcmp" --first 24000 "$WORK/src.wav" "$WORK/rec.wav" || fail "arecord on card $CA: not src.wav's samples"
say "capture from the wav end returns its samples"

stop_all || fail "a process did not stop cleanly"
check_dmesg
unload_module
dump_logs
say "PASS"
