#!/bin/bash
# In the guest: the ALSA end (sound-backend/end_alsa.c) against snd-aloop.
# (1) its probe reports what snd-aloop supports, limited to what virtio_snd
# maps; (2) noise played through the end API on hw:Loopback,0,0 arrives
# bit-exact on hw:Loopback,1,0 (same pattern and snd-aloop quirks as
# aloop-bitexact.sh: 250 ms of silence after the signal, compare --first N).
set -euo pipefail
tools=$VLO_REPO/build/tests/tools
prog=$VLO_REPO/build/tests/e2e/snd-end-alsa-test
modprobe snd-aloop
tmp=$(mktemp -d)

"$prog" probe hw:Loopback,0,0 playback | tee "$tmp/probe"
for f in S16_LE S24_3LE S32_LE FLOAT_LE; do
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
run_case FLOAT_LE 44100 6
echo "snd-end-alsa: all passed"
