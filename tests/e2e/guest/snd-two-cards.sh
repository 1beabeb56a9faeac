#!/bin/bash
# In the guest: two virtio sound cards, each its own vhost-user-sound process
# and adapter, playback bound to wav:/…/a.wav and wav:/…/b.wav. Two different
# noise files played on the two cards at the same time must arrive bit-exact
# each on its own end (no cross-talk), consumed in real time (48000 frames
# per second within 2%, measured by snd-pace), with a clean kernel log; then
# everything stops and the module unloads.
#
# Real time is measured as the rate at which each card's device position
# advances against CLOCK_MONOTONIC (snd-pace: after 0.5 s of running, up to
# the last write), not as the wall time of a player: a player's start-up and
# drain take an unpredictable time on a loaded TCG host. The whole guest
# also stands still now and then on such a host, and the backend's end then
# runs dry and loses that time as real hardware would; snd-pace fits the
# rate only over the stretches in which the guest did not stand still. A
# backend that plays 10% fast or slow, or unpaced, fails (checked with
# such builds, SND_BACKEND=...). See tests/e2e/guest/snd-pace.c.
. "$(dirname "$0")/snd-lib.sh"
SECONDS_PLAYED=${SND_SECONDS:-8}
PACE=$GUEST_PROGS/snd-pace
[ -x "$PACE" ] || fail "$PACE missing: make e2e-guest-progs"

load_module
# Card A's backend asks for SCHED_FIFO itself: its audio thread and the
# thread that takes requests off the rings must both get it.
BACKEND_ARGS="--rt-priority 20" start_card cardA "playback:wav:$WORK/a.wav"
CA=$CARD PA=$BACKEND_PID
start_card cardB "playback:wav:$WORK/b.wav"
CB=$CARD PB=$BACKEND_PID
[ "$CA" != "$CB" ] || fail "both backends on card $CA"

# Different noise on the two cards at the same time. 8 s at 48 kHz is a
# whole number of 80 ms periods (snd-pace's default): no padding, so the
# ends must hold exactly the files' bytes.
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d "$SECONDS_PLAYED" --seed 11 "$WORK/a-in.wav"
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d "$SECONDS_PLAYED" --seed 22 "$WORK/b-in.wav"
# Both cards at once. snd-pace exits 4 when the guest stood still so often
# that less than 2 s of the stream ran clean (the host was too busy to
# tell): play again, at most four times. Each play reopens the ends, so
# a.wav and b.wav hold the last one.
for attempt in 1 2 3 4; do
	sa=0 sb=0
	"$PACE" "hw:$CA,0" "$WORK/a-in.wav" >"$WORK/pace-a.out" 2>"$WORK/pace-a.log" & pa=$!
	"$PACE" "hw:$CB,0" "$WORK/b-in.wav" >"$WORK/pace-b.out" 2>"$WORK/pace-b.log" & pb=$!
	if [ $attempt = 1 ]; then
		sleep 2	# both streams running: every audio thread exists
		check_sched "$PA" 20 2
		check_sched "$PB" 0 2
	fi
	wait $pa || sa=$?
	wait $pb || sb=$?
	sed "s|^|$me: card $CA: |" "$WORK/pace-a.out"
	sed "s|^|$me: card $CB: |" "$WORK/pace-b.out"
	for x in "$CA $sa" "$CB $sb"; do
		set -- $x
		case $2 in
		0|4) ;;
		1) fail "card $1 did not play in real time (snd-pace exited 1)" ;;
		*) fail "card $1: snd-pace exited $2 (3: playback failed)" ;;
		esac
	done
	[ $sa = 4 ] || [ $sb = 4 ] || break
	[ $attempt -lt 4 ] || fail "the host was too busy to measure the rate in four plays"
	say "the guest stood still too long to judge the rate; playing again"
done

# The wav ends write their header on close: stop adapters, then backends.
stop_all || fail "a process did not stop on SIGTERM"
"$TOOLS/wavcmp" "$WORK/a-in.wav" "$WORK/a.wav" || fail "card A: a.wav lacks frames of a-in.wav"
"$TOOLS/wavcmp" "$WORK/b-in.wav" "$WORK/b.wav" || fail "card B: b.wav lacks frames of b-in.wav"
! "$TOOLS/wavcmp" "$WORK/b-in.wav" "$WORK/a.wav" >/dev/null 2>&1 || fail "card A received card B's audio"
! "$TOOLS/wavcmp" "$WORK/a-in.wav" "$WORK/b.wav" >/dev/null 2>&1 || fail "card B received card A's audio"
# Exactly the bytes played: same sample data, nothing more, nothing less.
for x in a b; do
	in_sz=$(stat -c %s "$WORK/$x-in.wav"); out_sz=$(stat -c %s "$WORK/$x.wav")
	cmp "$WORK/$x-in.wav" "$WORK/$x.wav" ||
		fail "$x.wav ($out_sz bytes) is not byte-identical to $x-in.wav ($in_sz bytes)"
done
say "both wav ends bit-exact, no cross-talk"

check_dmesg
unload_module
dump_logs
say "PASS"
