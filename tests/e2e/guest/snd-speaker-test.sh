#!/bin/bash
# In the guest: speaker-test (alsa-utils) on a virtio sound card whose
# playback is a wav: end. The backend advertises 1 to 8 channels for a wav:
# end (vus_device.c fixed_caps), so speaker-test runs with 2 channels and
# with 8 channels, one loop each. Each run must exit 0, and the wav
# end must hold one stream of the right channel count and length (speaker-
# test plays a sine on each channel in turn for about 3 s), every channel
# loud, and channel 0 silent while the others have their turn (the channels
# arrive where they were sent). Clean kernel log.
. "$(dirname "$0")/snd-lib.sh"
load_module
start_card cardA "playback:wav:$WORK/out.wav"
C=$CARD

# run_speaker_test CHANNELS LOOPS
run_speaker_test() {
	local c=$1 l=$2 st=0 stat frames turns silent windows
	# A 1 s buffer of 80 ms periods: the guest may stand still for a while.
	timeout 180 speaker-test -D "hw:$C,0" -c "$c" -r 48000 -F S16_LE -t sine -f 440 -l "$l" \
		-b 1000000 -p 80000 >"$WORK/speaker-test-$c.log" 2>&1 || st=$?
	[ $st = 0 ] || fail "speaker-test -c $c exited $st: $(tail -3 "$WORK/speaker-test-$c.log")"
	grep -qi "underrun\|error" "$WORK/speaker-test-$c.log" &&
		fail "speaker-test -c $c: $(grep -i "underrun\|error" "$WORK/speaker-test-$c.log" | head -3)"
	stat=$("$TOOLS/wavstat" "$WORK/out.wav")
	grep -q "channels $c frames" <<<"$stat" || fail "$c channels: the end got $(head -1 <<<"$stat")"
	# Length: one turn of about 3 s per channel and loop.
	frames=$(sed -n 's/.* frames \([0-9]*\) .*/\1/p' <<<"$stat")
	turns=$((c * l))
	[ "$frames" -ge $((turns * 48000 * 5 / 2)) ] && [ "$frames" -le $((turns * 48000 * 7 / 2)) ] ||
		fail "$c channels: $frames frames for $turns turns of about 3 s"
	# Level: every channel has its sine (speaker-test's is at -1.9 dBFS peak).
	awk -v c="$c" '/^channel / { n++; if ($4 < -30 || $6 < -6) bad = bad " " $2 }
		END { exit (n != c || bad != "") }' <<<"$stat" ||
		fail "$c channels: a channel is missing or quiet: $(grep ^channel <<<"$stat" | tr '\n' ';')"
	# Channel 0 sounds only in its own turns: silent in about (c-1)/c of
	# the 250 ms windows.
	read -r silent windows < <("$TOOLS/wavstat" --window 250 "$WORK/out.wav" |
		awk '!/^#/ { n++; if ($2 < -60) s++ } END { print s + 0, n + 0 }')
	[ $((silent * c * 100)) -ge $(((c - 1) * windows * 80)) ] &&
		[ $((silent * c * 100)) -le $(((c - 1) * windows * 120)) ] ||
		fail "$c channels: channel 0 silent in $silent of $windows windows, want about $(( (c - 1) * 100 / c ))%"
	say "speaker-test -c $c -l $l: exit 0; $frames frames of $c channels, all loud," \
		"channel 0 silent in $silent of $windows windows"
}
run_speaker_test 2 1
run_speaker_test 8 1

check_dmesg
stop_all || fail "a process did not stop cleanly"
unload_module
say "PASS"
