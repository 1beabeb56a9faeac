#!/bin/bash
# In the guest: one vhost-user-sound backend under valgrind serves two
# frontends in a row: play (bit-exact on its wav end), the adapter goes away
# mid-play and at rest (device reset), a new adapter attaches to the same
# backend, play again (bit-exact). The backend then exits 0 on SIGTERM with
# no valgrind errors or leaks; clean kernel log; the module unloads.
. "$(dirname "$0")/snd-lib.sh"
BACKEND_WRAP=${BACKEND_WRAP-$VALGRIND_BACKEND}
command -v valgrind >/dev/null || BACKEND_WRAP=
# A sanitized backend (make check-sanitize) cannot run under valgrind; its
# own leak and error checks take valgrind's place (tests/vm/run VLO_SANITIZE).
grep -q libasan <<<"$(ldd "$BACKEND" 2>/dev/null)" && BACKEND_WRAP=
# valgrind makes the backend some 30 times slower: under a loaded TCG host a
# control reply can then miss virtio_snd's 1 s timeout. That is no fault of
# the backend, and a late reply during probe meets a Linux 6.12 virtio_snd
# bug (virtsnd_remove completes the pending messages before resetting the
# device, so the late completion list_del()s one twice: kernel BUG). Give
# the valgrind run 10 s.
[ -n "$BACKEND_WRAP" ] && SND_MSG_TIMEOUT_MS=${SND_MSG_TIMEOUT_MS:-10000}
# The card removed in mid-stream on purpose: virtio_snd's STOP and RELEASE
# for the open stream cannot reach a device that is gone.
SND_KLOG_EXPECTED='failed to send control message \(0x0000010[35]\)'
load_module
fmt=(-f S16_LE -r 48000 -c 2)
"$TOOLS/wavgen" "${fmt[@]}" -d 1 --seed 41 "$WORK/one.wav"
"$TOOLS/wavgen" "${fmt[@]}" -d 1 --seed 42 "$WORK/two.wav"
"$TOOLS/wavgen" "${fmt[@]}" -d 5 --seed 43 "$WORK/long.wav"

start_card cardA "playback:wav:$WORK/out1.wav"
aplay -q -D "hw:$CARD,0" "$WORK/one.wav" || fail "aplay (first frontend) failed"
cp "$WORK/out1.wav" "$WORK/got1.wav"
"$TOOLS/wavcmp" "$WORK/one.wav" "$WORK/got1.wav" || fail "first frontend: not bit-exact"
cmp "$WORK/one.wav" "$WORK/got1.wav" || fail "first frontend: not exactly the bytes played"

# Away in mid-stream: aplay gets an error, the backend resets and waits.
aplay -q -D "hw:$CARD,0" "$WORK/long.wav" 2>/dev/null & pl=$!
sleep 1.5
detach_card "$CARD"
wait $pl && fail "aplay did not notice its card going away" || true
say "adapter gone in mid-stream: aplay failed as it should"

attach_card cardA
aplay -q -D "hw:$CARD,0" "$WORK/two.wav" || fail "aplay (second frontend) failed"
detach_card "$CARD"	# at rest this time
"$TOOLS/wavcmp" "$WORK/two.wav" "$WORK/out1.wav" || fail "second frontend: not bit-exact"
cmp "$WORK/two.wav" "$WORK/out1.wav" || fail "second frontend: not exactly the bytes played"
say "same backend served a second frontend bit-exact"

stop_all || fail "backend exited badly (valgrind errors or leaks give 9)"
check_dmesg
unload_module
dump_logs
say "PASS${BACKEND_WRAP:+ (backend under valgrind: no errors, no leaks)}"
