#!/bin/bash
# In the guest: one virtio sound card whose playback is a wav: end. A format
# matrix (U8, S16_LE, S24_LE, S32_LE, FLOAT_LE; 8 kHz to 192 kHz; 1 to 8
# channels) arrives bit-exact from its first frame; aplay stopped in mid-stream and a
# new play right after work; speaker-test runs; clean kernel log.
. "$(dirname "$0")/snd-lib.sh"
load_module
start_card cardA "playback:wav:$WORK/out.wav"
C=$CARD

# case FORMAT RATE CHANNELS: played and received hold the same frames.
run_case() {
	local f=$1 r=$2 c=$3
	"$TOOLS/wavgen" -f "$f" -r "$r" -c "$c" -d 0.5 --seed "$r" "$WORK/in.wav"
	aplay -q -D "hw:$C,0" "$WORK/in.wav" 2>"$WORK/aplay.log" ||
		fail "$f $r Hz $c ch: aplay failed: $(cat "$WORK/aplay.log")"
	# Every frame, from the first one on. aplay pads its last period with
	# silence, so the end may hold a little more than the file.
	"$TOOLS/wavcmp" "$WORK/in.wav" "$WORK/out.wav" >"$WORK/cmp.log" 2>&1 &&
		grep -q 'at capture frame 0 ' "$WORK/cmp.log" ||
		fail "$f $r Hz $c ch: the wav end did not receive the frames played: $(cat "$WORK/cmp.log")"
	say "$f $r Hz $c ch: exact"
}
run_case U8 8000 1
run_case S16_LE 44100 2
run_case S16_LE 22050 6
run_case S32_LE 96000 4
run_case FLOAT_LE 48000 8
run_case S16_LE 192000 2
# S24_LE: 24 bits in a 32-bit container. wavgen writes it as arecord does
# (plain fmt, 24 bits, 4 bytes per sample), which aplay plays as S24_LE; the
# wav: end writes WAVE_FORMAT_EXTENSIBLE with 24 valid bits, which wavcmp
# reads as S24_LE too (a stream that went through as S32_LE would not
# compare: the formats would differ). Every byte, the padding one included.
run_case S24_LE 48000 2
run_case S24_LE 8000 1
run_case S24_LE 176400 6

# Stop in mid-stream (SIGINT: aplay closes the stream), then play again.
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 5 "$WORK/long.wav"
aplay -q -D "hw:$C,0" "$WORK/long.wav" 2>/dev/null & p=$!
sleep 1
kill -INT $p
wait $p || true
run_case S16_LE 48000 2
say "stop in mid-stream, then a new play: fine"

timeout 60 speaker-test -D "hw:$C,0" -c 2 -r 48000 -F S16_LE -t sine -l 1 >"$WORK/speaker-test.log" 2>&1 ||
	fail "speaker-test failed: $(tail -5 "$WORK/speaker-test.log")"
say "speaker-test: fine"

stop_all || fail "a process did not stop cleanly"
check_dmesg
unload_module
say "PASS"
