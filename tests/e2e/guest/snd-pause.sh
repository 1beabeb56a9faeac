#!/bin/bash
# In the guest: one virtio sound card, playback bound to a wav: end. A 440 Hz
# tone is played with snd_pcm_writei and paused in mid-stream with
# snd_pcm_pause(1) for 1 s, then resumed with snd_pcm_pause(0) and played to
# the end (snd-pause). virtio_snd (6.12) advertises SNDRV_PCM_INFO_PAUSE and
# sends STOP on pause and START on release, keeping its queued periods in the
# device. Checked:
#  - the device plays nothing while paused (its position just after the
#    resume is where it was just before the pause, give or take a few
#    periods), and the playback takes at least the audio's length plus the
#    pause: the paused second is not counted as played (snd-pause's exit
#    status);
#  - the wav end holds exactly the file's bytes: none lost or played twice
#    across the pause (cmp, after wavcmp says where any difference starts);
#  - the same for a pause right after START (at = 0.4 s is reached while
#    the 1.28 s buffer is being filled, so the device position is still 0:
#    STOP follows START at once) and one 0.4 s before the last write, each
#    in a stream of its own;
#  - a clean kernel log.
. "$(dirname "$0")/snd-lib.sh"
PAUSE=$GUEST_PROGS/snd-pause
[ -x "$PAUSE" ] || fail "$PAUSE missing: make e2e-guest-progs"

load_module
start_card cardA "playback:wav:$WORK/out.wav"
C=$CARD

# play_paused NAME AT: the tone, paused after AT s of audio written. 4 s at
# 48 kHz is a whole number of 80 ms periods, so nothing is padded.
play_paused() {
	local name=$1 at=$2 st=0
	"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 4 -s sine:440 "$WORK/$name.wav"
	"$PAUSE" --at "$at" --pause 1 "hw:$C,0" "$WORK/$name.wav" >"$WORK/$name.out" \
		2>"$WORK/$name-pause.log" || st=$?
	say "$name: $(cat "$WORK/$name.out")"
	[ $st = 0 ] || fail "$name: snd-pause exited $st (1: the pause did not hold, 3: playback failed)"
	# The stream is closed (RELEASE): the end has closed out.wav.
	"$TOOLS/wavcmp" "$WORK/$name.wav" "$WORK/out.wav" >"$WORK/$name-cmp.log" 2>&1 ||
		fail "$name: the wav end lacks frames of the tone: $(cat "$WORK/$name-cmp.log")"
	cmp "$WORK/$name.wav" "$WORK/out.wav" ||
		fail "$name: out.wav ($(stat -c %s "$WORK/out.wav") bytes) is not byte-identical" \
			"to $name.wav ($(stat -c %s "$WORK/$name.wav") bytes)"
	say "$name: the wav end holds exactly the tone"
}
play_paused mid 2
play_paused early 0.4
play_paused late 3.6

stop_all || fail "a process did not stop cleanly"
check_dmesg
unload_module
say "PASS"
