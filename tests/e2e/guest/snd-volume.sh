#!/bin/bash
# In the guest: one virtio sound card whose playback stream is bound to a
# wav: end. The same 1 kHz tone is played four times, with the card's
# "PCM Playback Volume"/"PCM Playback Switch" set by amixer in between:
#   0 dB          -> the wav end holds exactly the played bytes
#   -6 dB         -> its RMS is 6.02 dB (half) below the 0 dB run, +-0.3 dB
#   switch off    -> exact digital silence, the same number of bytes
#   0 dB, on      -> bit-exact again
. "$(dirname "$0")/snd-lib.sh"

load_module
start_card vol "playback:wav:$WORK/out.wav"
C=$CARD

"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 2 -s sine:1000 -a 0.5 "$WORK/tone.wav"

# The scale: -60 dB .. 0 dB in 0.5 dB steps, value 0 = mute.
vol() {
	amixer -q -c "$C" cset name='PCM Playback Volume' "$1" ||
		fail "amixer cset PCM Playback Volume $1"
}
switch() {
	amixer -q -c "$C" cset name='PCM Playback Switch' "$1" ||
		fail "amixer cset PCM Playback Switch $1"
}
# play TAG: the tone once; the end's file (closed by RELEASE when aplay
# closes the PCM) is kept as TAG.wav.
play() {
	timeout 60 aplay -q -D "hw:$C,0" "$WORK/tone.wav" 2>"$WORK/aplay-$1.log" ||
		fail "aplay ($1) failed"
	# RELEASE closes the wav end, which then fixes up its header.
	for _ in $(seq 50); do
		[ "$(stat -c %s "$WORK/out.wav")" = "$(stat -c %s "$WORK/tone.wav")" ] && break
		sleep 0.1
	done
	cp "$WORK/out.wav" "$WORK/$1.wav"
}
rms() { "$TOOLS/wavstat" "$1" | awk '$1 == "channel" && $2 == 0 { print $4 }'; }
# all_zero FILE: every byte after the 44-byte header is 0
all_zero() { [ "$(tail -c +45 "$1" | tr -d '\000' | wc -c)" = 0 ]; }

amixer -c "$C" contents >"$WORK/amixer-contents.log" 2>&1 || true
grep -q "PCM Playback Volume" "$WORK/amixer-contents.log" ||
	fail "card $C has no 'PCM Playback Volume' control"

vol 120; switch on
play zero-db
cmp -s "$WORK/tone.wav" "$WORK/zero-db.wav" || fail "0 dB: the end did not get the exact bytes"
R0=$(rms "$WORK/zero-db.wav")

vol 108		# (108 - 120) * 0.5 dB = -6 dB
play minus6
R6=$(rms "$WORK/minus6.wav")
D=$(echo "$R6 - $R0" | bc)
say "RMS at 0 dB: $R0 dBFS, at -6 dB: $R6 dBFS (difference $D dB)"
ok=$(echo "$D >= -6.32 && $D <= -5.72" | bc)
[ "$ok" = 1 ] || fail "-6 dB gave a level change of $D dB (want -6.02 +-0.3)"
[ "$(stat -c %s "$WORK/minus6.wav")" = "$(stat -c %s "$WORK/tone.wav")" ] ||
	fail "-6 dB: byte count differs"

vol 120; switch off
play muted
[ "$(stat -c %s "$WORK/muted.wav")" = "$(stat -c %s "$WORK/tone.wav")" ] ||
	fail "muted: $(stat -c %s "$WORK/muted.wav") bytes, played $(stat -c %s "$WORK/tone.wav")"
all_zero "$WORK/muted.wav" || fail "muted: the end got non-zero samples"
say "switch off: $(stat -c %s "$WORK/muted.wav") bytes, all zero"

vol 0; switch on	# the mute minimum of the volume is silence too
play vol-min
all_zero "$WORK/vol-min.wav" || fail "volume 0 (mute minimum): non-zero samples"

vol 120
play again
cmp -s "$WORK/tone.wav" "$WORK/again.wav" || fail "back at 0 dB: not bit-exact"
say "back at 0 dB: bit-exact"

stop_all || fail "a process did not stop on SIGTERM"
check_dmesg
unload_module
dump_logs
say "PASS"
