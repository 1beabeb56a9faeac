#!/bin/bash
# In the guest: two virtio sound cards, each its own vhost-user-sound process
# and adapter, playback bound to wav:/…/a.wav and wav:/…/b.wav. Two different
# noise files played on the two cards at the same time must arrive bit-exact
# each on its own end (no cross-talk), in real time (5 s within 2%), with a
# clean kernel log; then everything stops and the module unloads.
. "$(dirname "$0")/snd-lib.sh"
SECONDS_PLAYED=${SND_SECONDS:-5}

load_module
start_card cardA "playback:wav:$WORK/a.wav"
CA=$CARD
start_card cardB "playback:wav:$WORK/b.wav"
CB=$CARD
[ "$CA" != "$CB" ] || fail "both backends on card $CA"

# play_both SECONDS: different noise on the two cards at the same time;
# sets DA and DB, how long each aplay took.
play_both() {
	local d=$1 t0 ta tb pa pb sa=0 sb=0
	"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d "$d" --seed 11 "$WORK/a-in.wav"
	"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d "$d" --seed 22 "$WORK/b-in.wav"
	t0=$(date +%s.%N)
	aplay -q -D "hw:$CA,0" "$WORK/a-in.wav" 2>"$WORK/aplay-a.log" & pa=$!
	aplay -q -D "hw:$CB,0" "$WORK/b-in.wav" 2>"$WORK/aplay-b.log" & pb=$!
	wait $pa || sa=$?
	ta=$(date +%s.%N)
	wait $pb || sb=$?
	tb=$(date +%s.%N)
	[ $sa = 0 ] || fail "aplay on card $CA exited $sa"
	[ $sb = 0 ] || fail "aplay on card $CB exited $sb"
	DA=$(echo "$ta - $t0" | bc); DB=$(echo "$tb - $t0" | bc)
	say "$d s played in $DA s (card $CA) and $DB s (card $CB)"
}

# aplay's own start-up and drain add a fixed delay (large under TCG): the
# pacing is the difference between a short and a long file, per card, after
# a first play that warms the caches (the first start-up is slower).
play_both 0.5
play_both 1
DA1=$DA DB1=$DB
play_both "$SECONDS_PLAYED"
for x in "A $DA1 $DA" "B $DB1 $DB"; do
	set -- $x
	rate=$(echo "scale=4; ($3 - $2) / ($SECONDS_PLAYED - 1)" | bc)
	say "card $1: pacing $rate s per audio second"
	ok=$(echo "$rate >= 0.98 && $rate <= 1.02" | bc)
	[ "$ok" = 1 ] || fail "pacing of card $1: $rate s per second of audio (want 1 within 2%)"
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
