#!/bin/bash
# In the guest: tests/e2e/snd-valgrind.test. The backend and the adapter each
# run under valgrind memcheck (--error-exitcode=9: any error or definite or
# indirect leak makes the process exit 9); two full playbacks through the
# card, bit-exact on the backend's wav end; then the adapter and the backend
# stop on SIGTERM and must both exit 0. Clean kernel log; the module unloads.
. "$(dirname "$0")/snd-lib.sh"
VALGRIND="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9"
command -v valgrind >/dev/null || fail "valgrind missing: make setup"
# A sanitized build (make check-sanitize) cannot run under valgrind.
for p in "$BACKEND" "$ADAPTER"; do
	! grep -q libasan <<<"$(ldd "$p" 2>/dev/null)" || { say "SKIP: $p is an ASan build"; exit 77; }
done
# shellcheck disable=SC2034 # start_card (snd-lib.sh) runs the backend under it
BACKEND_WRAP=$VALGRIND_BACKEND
# snd-lib starts "$ADAPTER": make that valgrind around the real one. exec, so
# that its PID (ADAPTER_PID) is the process valgrind runs the adapter in.
# --timeout-ms 60000: the adapter's bound on a backend reply (default 5 s) is
# for a backend at full speed; under valgrind on an emulated CPU a reply can
# take longer (seen: SET_VRING_ENABLE after more than 5 s).
real_adapter=$ADAPTER
ADAPTER=$WORK/adapter-under-valgrind
printf '#!/bin/sh\nexec %s %q "$@" --timeout-ms 60000\n' "$VALGRIND" "$real_adapter" >"$ADAPTER"
chmod +x "$ADAPTER"
# valgrind makes a peer some 30 times slower: give virtio_snd's control
# messages 10 s instead of 1 s (see snd-reconnect.sh, same reason).
SND_MSG_TIMEOUT_MS=${SND_MSG_TIMEOUT_MS:-10000}
load_module
fmt=(-f S16_LE -r 48000 -c 2)
"$TOOLS/wavgen" "${fmt[@]}" -d 3 --seed 51 "$WORK/one.wav"
"$TOOLS/wavgen" "${fmt[@]}" -s sine:440 -d 2 "$WORK/two.wav"

start_card vg "playback:wav:$WORK/out.wav"
aplay -q -D "hw:$CARD,0" "$WORK/one.wav" || fail "aplay (first playback) failed"
cmp "$WORK/one.wav" "$WORK/out.wav" || fail "first playback: not exactly the bytes played"
aplay -q -D "hw:$CARD,0" "$WORK/two.wav" || fail "aplay (second playback) failed"
cmp "$WORK/two.wav" "$WORK/out.wav" || fail "second playback: not exactly the bytes played"
say "two playbacks bit-exact with both peers under valgrind"

# Orderly shutdown: the adapter first (the card goes away), then the backend.
kill "$ADAPTER_PID"
timeout 60 tail --pid="$ADAPTER_PID" -f /dev/null || fail "adapter did not stop on SIGTERM"
st=0
wait "$ADAPTER_PID" || st=$?
[ "$st" = 0 ] || fail "adapter exited with status $st (valgrind errors or leaks give 9)"
for p in "${!PIDS[@]}"; do
	[ "${PIDS[$p]}" = "adapter:$ADAPTER_PID" ] && unset "PIDS[$p]"
done
PIDS=("${PIDS[@]}")
for _ in $(seq 100); do [ -e "/sys/class/sound/card$CARD" ] || break; sleep 0.1; done
[ ! -e "/sys/class/sound/card$CARD" ] || fail "card $CARD still there after its adapter stopped"
say "adapter exited 0 on SIGTERM: no valgrind errors, no leaks"
stop_all || fail "backend exited badly (valgrind errors or leaks give 9)"
say "backend exited 0 on SIGTERM: no valgrind errors, no leaks"
check_dmesg
unload_module
dump_logs
say "PASS (backend and adapter under valgrind: no errors, no leaks)"
