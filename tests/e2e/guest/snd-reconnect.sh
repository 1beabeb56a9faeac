#!/bin/bash
# In the guest: one vhost-user-sound backend under valgrind serves two
# frontends in a row: play (bit-exact on its wav end), the adapter goes away
# mid-play and at rest (device reset), a new adapter attaches to the same
# backend, play again (bit-exact). The backend then exits 0 on SIGTERM with
# no valgrind errors or leaks; clean kernel log; the module unloads.
. "$(dirname "$0")/snd-lib.sh"
BACKEND_WRAP=${BACKEND_WRAP-valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9}
command -v valgrind >/dev/null || BACKEND_WRAP=
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
