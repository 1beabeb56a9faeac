#!/bin/bash
# In the guest: eight virtio sound cards, each its own vhost-user-sound
# process and adapter, each playback bound to its own wav: end. Eight
# different noise files played at the same time arrive bit-exact, each on
# its own end only; clean kernel log; the module unloads.
. "$(dirname "$0")/snd-lib.sh"
N=${SND_CARDS:-8}
load_module
cards=()
for i in $(seq 1 "$N"); do
	"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 2 --seed $((100 + i)) "$WORK/in$i.wav"
	start_card "card$i" "playback:wav:$WORK/out$i.wav"
	cards+=("$CARD")
done
pids=()
for i in $(seq 1 "$N"); do
	aplay -q -D "hw:${cards[$((i - 1))]},0" "$WORK/in$i.wav" 2>"$WORK/aplay$i.log" &
	pids+=($!)
done
for i in $(seq 1 "$N"); do
	wait "${pids[$((i - 1))]}" || fail "aplay $i on card ${cards[$((i - 1))]} failed: $(cat "$WORK/aplay$i.log")"
done
stop_all || fail "a process did not stop cleanly"
for i in $(seq 1 "$N"); do
	cmp "$WORK/in$i.wav" "$WORK/out$i.wav" || fail "card $i: not exactly the bytes played"
	j=$((i % N + 1))
	! "$TOOLS/wavcmp" "$WORK/in$j.wav" "$WORK/out$i.wav" >/dev/null 2>&1 || fail "card $i holds card $j's audio"
done
say "$N cards at once: every wav end bit-exact, no cross-talk"
check_dmesg
unload_module
say "PASS"
