#!/bin/bash
# In the guest: the ALSA end (sound-backend/end_alsa.c) against snd-aloop.
# (1) its probe reports what snd-aloop supports, limited to what virtio_snd
# maps; (2) noise played through the end API on hw:Loopback,0,0 arrives
# bit-exact on hw:Loopback,1,0 (same pattern and snd-aloop quirks as
# aloop-bitexact.sh: 250 ms of silence after the signal, compare --first N);
# (3) underruns: the writer stalls twice, each time a burst of three stalls
# longer than the host buffer; playback recovers and drains, every stall is
# counted, the end logs one underrun line per burst (not per stall or
# period), and every stretch between two gaps arrives bit-exact; the hw
# PCM was opened with mmap access; (4) noise played into snd-aloop and
# recorded through the end API arrives bit-exact.
set -euo pipefail
tools=$VLO_REPO/build/tests/tools
# SND_END_ALSA_TEST: another build of the program (e.g. over a deliberately
# broken end_alsa.c, to see this test fail: tests/vm/run -- env
# SND_END_ALSA_TEST=... tests/e2e/guest/snd-end-alsa.sh).
prog=${SND_END_ALSA_TEST:-$VLO_REPO/build/tests/e2e/snd-end-alsa-test}
modprobe snd-aloop
tmp=$(mktemp -d)

"$prog" probe hw:Loopback,0,0 playback | tee "$tmp/probe"
for f in S16_LE S24_3LE S24_LE S32_LE FLOAT_LE; do
	grep -q "^formats:.* $f\b" "$tmp/probe" || { echo "probe: $f missing"; exit 1; }
done
if grep -q "^formats:.* U8\b" "$tmp/probe"; then echo "probe: U8 reported"; exit 1; fi
# snd-aloop: 8 kHz .. (at least) 192 kHz, 1..32 channels (clamped to a
# channel map's 18); 5512 Hz is below its range.
grep -Eq '^rates: 8000 11025 16000 22050 32000 44100 48000 64000 88200 96000 176400 192000( 384000)?$' \
	"$tmp/probe" || { echo "probe: rates"; exit 1; }
grep -q '^channels: 1-18$' "$tmp/probe" || { echo "probe: channels"; exit 1; }
"$prog" probe hw:NoSuchCard,0,0 playback && { echo "probe of a missing card succeeded"; exit 1; }

run_case() {
	local fmt=$1 rate=$2 ch=$3
	echo "end_alsa: $fmt ${rate} Hz ${ch} ch"
	"$tools/wavgen" -f "$fmt" -r "$rate" -c "$ch" -d 1.5 --silence-after 0.25 --seed "$rate" \
		"$tmp/play.wav"
	arecord -q --period-time=20000 --buffer-time=200000 -D hw:Loopback,1,0 \
		-f "$fmt" -r "$rate" -c "$ch" -d 3 "$tmp/cap.wav" &
	local rec=$!
	sleep 0.5
	"$prog" play hw:Loopback,0,0 "$tmp/play.wav" 20
	wait "$rec"
	"$tools/wavcmp" --first $((rate * 3 / 2)) "$tmp/play.wav" "$tmp/cap.wav"
}

run_case S16_LE 48000 2
run_case S32_LE 96000 2
run_case S24_LE 48000 2	# 24 bits in 32: wavgen and arecord write arecord's plain fmt
run_case FLOAT_LE 44100 6

# (3) Host buffer: 4 periods of 20 ms. Each burst: 3 stalls of 250 ms, one
# period written between two; the bursts start at 0.8 s and 2.5 s of audio
# (1.6 s apart: more than the end's 1 s burst gap).
underrun_case() {
	local rate=48000 ch=2 signal=$((48000 * 4)) nstall=6 nburst=2
	local out=$tmp/xrun.out err=$tmp/xrun.err
	echo "end_alsa: underruns, $nburst bursts of $((nstall / nburst)) stalls"
	"$tools/wavgen" -f S16_LE -r $rate -c $ch -n $signal --silence-after 0.25 --seed 4242 \
		"$tmp/xrun.wav"
	arecord -q --period-time=20000 --buffer-time=200000 -D hw:Loopback,1,0 \
		-f S16_LE -r $rate -c $ch -d 9 "$tmp/xcap.wav" &
	local rec=$!
	sleep 0.5
	if ! timeout 30 "$prog" play hw:Loopback,0,0 "$tmp/xrun.wav" 20 800:250:3 2500:250:3 \
		>"$out" 2>"$err"; then
		cat "$out" "$err"
		echo "underruns: playback did not recover and drain"
		exit 1
	fi
	wait "$rec"
	cat "$out" "$err"
	# a hw PCM is written through mmap (no system call per write), the
	# recovery's silence too
	grep -Eq '^alsa hw:Loopback,0,0: playback .* frames, mmap(, can pause)?$' "$err" ||
		{ echo "underruns: hw:Loopback,0,0 not opened with mmap access"; exit 1; }
	local stalls xruns lines prev
	mapfile -t stalls < <(sed -n 's/^stall at frame \([0-9]*\) .*/\1/p' "$out")
	[ "${#stalls[@]}" -eq $nstall ] || { echo "underruns: ${#stalls[@]} stalls, not $nstall"; exit 1; }
	xruns=$(sed -n 's/.*, \([0-9]*\) xruns, final delay 0$/\1/p' "$out")
	[ -n "$xruns" ] || { echo "underruns: no summary line"; exit 1; }
	[ "$xruns" -ge $nstall ] || { echo "underruns: $xruns xruns counted for $nstall stalls"; exit 1; }
	lines=$(grep -c ': underrun (total [0-9]*); recovering with silence$' "$err" || true)
	# One line per burst. A starved guest may add underruns of its own,
	# each at most a burst more; a line per underrun still fails.
	if [ "$lines" -lt $nburst ] || [ "$lines" -gt $((nburst + xruns - nstall)) ]; then
		echo "underruns: $lines underrun lines for $nburst bursts ($xruns xruns for" \
			"$nstall stalls$([ "$xruns" -gt $nstall ] && echo '; the others: load?'))"
		exit 1
	fi
	# the second burst's line comes after one that counts the first burst
	prev=$(sed -n 's/.*: previous burst had \([0-9]*\) underruns$/\1/p' "$err")
	if [ -z "$prev" ] || [ "$prev" -lt $((nstall / nburst)) ]; then
		echo "underruns: no 'previous burst had >= $((nstall / nburst))' line"
		exit 1
	fi
	grep -q ": closed after $xruns underruns\$" "$err" ||
		{ echo "underruns: no 'closed after $xruns underruns' line"; exit 1; }
	# every stretch between two gaps (and before the first, after the last)
	local from=0 to
	for to in "${stalls[@]}" $signal; do
		"$tools/wavcmp" --skip "$from" --first $((to - from)) "$tmp/xrun.wav" "$tmp/xcap.wav" ||
			{ echo "underruns: frames $from..$((to - 1)) did not arrive"; exit 1; }
		from=$to
	done
	echo "end_alsa: underruns: $xruns xruns, $lines log lines, all $((nstall + 1)) stretches exact"
}
underrun_case

# (4) capture through the end (mmap access too): noise aplay plays on
# hw:Loopback,0,0, recorded through the end API from hw:Loopback,1,0,
# arrives bit-exact.
record_case() {
	local fmt=$1 rate=$2 ch=$3 rp
	echo "end_alsa: capture $fmt ${rate} Hz ${ch} ch"
	"$tools/wavgen" -f "$fmt" -r "$rate" -c "$ch" -d 1.5 --silence-after 0.25 \
		--seed $((rate + 7)) "$tmp/src.wav"
	"$prog" record hw:Loopback,1,0 "$tmp/src.wav" "$tmp/rec.wav" 20 \
		>"$tmp/rec.out" 2>"$tmp/rec.err" &
	rp=$!
	sleep 0.5
	aplay -q --period-time=20000 --buffer-time=200000 -D hw:Loopback,0,0 "$tmp/src.wav"
	if ! wait "$rp"; then
		cat "$tmp/rec.out" "$tmp/rec.err"
		echo "capture: recording through the end failed"
		exit 1
	fi
	cat "$tmp/rec.out" "$tmp/rec.err"
	grep -Eq '^alsa hw:Loopback,1,0: capture .* frames, mmap(, can pause)?$' "$tmp/rec.err" ||
		{ echo "capture: hw:Loopback,1,0 not opened with mmap access"; exit 1; }
	"$tools/wavcmp" --first $((rate * 3 / 2)) "$tmp/src.wav" "$tmp/rec.wav"
}
record_case S16_LE 48000 2
record_case S24_3LE 44100 1
echo "snd-end-alsa: all passed"
