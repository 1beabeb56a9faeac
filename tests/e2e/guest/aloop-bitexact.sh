#!/bin/bash
# In the guest: play generated noise on snd-aloop's playback side and capture
# it on the other side; the capture must hold every played frame bit for bit.
set -euo pipefail
tools=$VLO_REPO/build/tests/tools
. "$(dirname "$0")/alsa-capture.sh"
modprobe snd-aloop
tmp=$(mktemp -d)

# snd-aloop copies from playback to capture on a jiffies timer and loses up
# to the last jiffy or so of a stream when the playback stops (seen: 192
# frames at 48 kHz, HZ=250). The played file therefore ends with 250 ms of
# silence after 1.5 s of noise, and only the noise must arrive bit-exact.
# A 200 ms buffer rides out the scheduling hiccups of an emulated CPU.
alsa_opts=(--period-time=20000 --buffer-time=200000)

# one case: FORMAT RATE CHANNELS
run_case() {
	local fmt=$1 rate=$2 ch=$3
	echo "aloop: $fmt ${rate} Hz ${ch} ch"
	"$tools/wavgen" -f "$fmt" -r "$rate" -c "$ch" -d 1.5 --silence-after 0.25 --seed "$rate" \
		"$tmp/play.wav"
	capture_start Loopback 1 0 "$tmp/cap.wav" "${alsa_opts[@]}" -f "$fmt" -r "$rate" -c "$ch"
	aplay -q "${alsa_opts[@]}" -D hw:Loopback,0,0 "$tmp/play.wav"
	capture_stop
	"$tools/wavcmp" --first $((rate * 3 / 2)) "$tmp/play.wav" "$tmp/cap.wav"
}

run_case S16_LE 48000 2
run_case S32_LE 96000 2
run_case S24_3LE 8000 1
run_case FLOAT_LE 44100 6
