#!/bin/bash
# In the bench guest (tests/bench/snd-vm-bench): what one zone's audio costs
# and how it holds up, measured side by side in this one guest run.
#
#  cpu       CPU per second of audio of one 48 kHz stereo S16 stream played
#            with aplay through a virtio card (vhost-user-sound bound to
#            hw:Loopback,0,0) versus aplay straight to hw:Loopback,0,1. All
#            of the guest's CPU time is counted (/proc/stat: user, nice,
#            system, irq, softirq, steal), and so is an idle stretch of the
#            same length, subtracted from both. ROUNDS rounds, order
#            alternating; medians.
#  scale     N cards (null ends, each its own backend and adapter) playing at
#            once, N in SCALE: CPU per card and per second of audio, and the
#            underruns aplay and the backends reported.
#  isolation two zones on hw:Loopback,0,2 and 0,3 play for STRESS_S seconds
#            while stress-ng hogs every CPU: "rt" has SCHED_FIFO audio threads
#            (backend --rt-priority 80, aplay under chrt -f 70), "plain" has
#            neither; underruns per zone.
#
# Prints markdown tables; with OUT set, also writes them to $OUT/table.md.
. "$(dirname "$0")/../../e2e/guest/snd-lib.sh"
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
SCALE=${SCALE:-1 2 4 8 16}
STRESS_S=${STRESS_S:-30}
PARTS=${PARTS:-cpu scale isolation}
OUT=${OUT:-}
HZ=$(getconf CLK_TCK)
fmt=(-f S16_LE -r 48000 -c 2)
# Linux 6.12's ALSA fails a write with EIO when no period completes within
# 1.1 buffer times: a TCG guest on a busy host stalls that long, so the
# default buffer is generous. ALSA_OPTS overrides it.
read -r -a alsa_opts <<<"${ALSA_OPTS:---period-time=10000 --buffer-time=400000}"
report=$WORK/table.md
: >"$report"

modprobe snd-aloop pcm_substreams=8 || fail "modprobe snd-aloop"
load_module
"$TOOLS/wavgen" "${fmt[@]}" -d "$SECS" --seed 1 "$WORK/play.wav"

out() { echo "$*" | tee -a "$report"; }

# Busy jiffies of the whole guest so far.
busy() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# cpu_of CMD...: run CMD, print the guest's busy jiffies meanwhile, or
# ERR when CMD failed (an aplay that a stalled guest failed with EIO).
cpu_of() {
	local b0 b1
	b0=$(busy)
	if ! "$@" 2>>"$WORK/cpu-errors.log"; then
		echo ERR
		return 0
	fi
	b1=$(busy)
	echo $((b1 - b0))
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

underruns_in() { cat "$@" 2>/dev/null | grep -ci 'underrun' || true; }

part_cpu() {
	local r direct=() virt=() idle=() d v i dm vm im failed_rounds=0
	start_card cpu playback:hw:Loopback,0,0
	local card=$CARD
	say "cpu: $ROUNDS rounds of $SECS s"
	for r in $(seq "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			d=$(cpu_of aplay -q -D hw:Loopback,0,1 "${alsa_opts[@]}" "$WORK/play.wav")
			v=$(cpu_of aplay -q -D "hw:$card,0" "${alsa_opts[@]}" "$WORK/play.wav")
		else
			v=$(cpu_of aplay -q -D "hw:$card,0" "${alsa_opts[@]}" "$WORK/play.wav")
			d=$(cpu_of aplay -q -D hw:Loopback,0,1 "${alsa_opts[@]}" "$WORK/play.wav")
		fi
		i=$(cpu_of sleep "$SECS")
		say "cpu: round $r: direct $d, virtio $v, idle $i jiffies"
		if [ "$d" = ERR ] || [ "$v" = ERR ]; then
			failed_rounds=$((failed_rounds + 1))
			continue
		fi
		direct+=("$d") virt+=("$v") idle+=("$i")
	done
	if [ ${#direct[@]} = 0 ]; then
		out ""
		out "### 1. CPU per second of audio: every round had a failed aplay (guest stalled; see below)"
		sed 's/^/    /' "$WORK/cpu-errors.log" | tee -a "$report"
		stop_all
		return 0
	fi
	dm=$(median "${direct[@]}") vm=$(median "${virt[@]}") im=$(median "${idle[@]}")
	out ""
	out "### 1. CPU per second of audio (48 kHz stereo S16, $SECS s, median of ${#direct[@]} rounds; $failed_rounds failed)"
	out ""
	out "| path | CPU ms per s of audio | minus idle | ratio to direct |"
	out "| --- | ---: | ---: | ---: |"
	awk -v d="$dm" -v v="$vm" -v i="$im" -v hz="$HZ" -v s="$SECS" 'BEGIN {
		dn = (d - i) / hz / s * 1000; vn = (v - i) / hz / s * 1000
		printf "| aplay -> hw:Loopback (direct) | %.1f | %.1f | 1.00 |\n", d / hz / s * 1000, dn
		printf "| aplay -> virtio card -> vhost-user-sound -> hw:Loopback | %.1f | %.1f | %s |\n",
			v / hz / s * 1000, vn, (dn > 0 ? sprintf("%.2f", vn / dn) : "n/a")
		printf "| idle guest | %.1f | | |\n", i / hz / s * 1000 }' | tee -a "$report"
	stop_all
}

part_scale() {
	local n max=0 k cards=() b0 b1 t0 t1 pids x0 x1 aruns errs
	for n in $SCALE; do [ "$n" -gt "$max" ] && max=$n; done
	say "scale: starting $max cards"
	for k in $(seq "$max"); do
		start_card "s$k" playback:null
		cards+=("$CARD")
	done
	out ""
	out "### 4. Cards playing at once (null ends, $SECS s each)"
	out ""
	out "| cards | CPU ms per card per s of audio | wall s | aplay underruns | aplay errors | backend underruns |"
	out "| ---: | ---: | ---: | ---: | ---: | ---: |"
	for n in $SCALE; do
		rm -f "$WORK"/aplay-s*.log
		x0=$(underruns_in "$WORK"/s*.log)
		pids=()
		b0=$(busy) t0=$(date +%s.%N)
		for k in $(seq 0 $((n - 1))); do
			aplay -D "hw:${cards[$k]},0" "${alsa_opts[@]}" "$WORK/play.wav" \
				>"$WORK/aplay-s$k.log" 2>&1 &
			pids+=($!)
		done
		errs=0
		for k in "${pids[@]}"; do wait "$k" || errs=$((errs + 1)); done
		b1=$(busy) t1=$(date +%s.%N)
		x1=$(underruns_in "$WORK"/s*.log)
		aruns=$(underruns_in "$WORK"/aplay-s*.log)
		awk -v n="$n" -v b=$((b1 - b0)) -v hz="$HZ" -v s="$SECS" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
			-v a="$aruns" -v e="$errs" -v x=$((x1 - x0)) \
			'BEGIN { printf "| %d | %.1f | %.2f | %d | %d | %d |\n", n, b / hz / n / s * 1000, w, a, e, x }' |
			tee -a "$report"
	done
	stop_all
	PIDS=()
}

part_isolation() {
	local rt plain prt pplain
	command -v stress-ng >/dev/null || fail "stress-ng missing: make setup"
	"$TOOLS/wavgen" "${fmt[@]}" -d "$STRESS_S" --seed 2 "$WORK/long.wav"
	# --rt-priority gives the audio threads what the policy daemon gives a
	# SCHED_FIFO zone; here at start, so that nothing else varies.
	"$BACKEND" --name rt --rt-priority 80 --socket-path "$WORK/rt.sock" \
		--stream playback:hw:Loopback,0,2 >>"$WORK/rt.log" 2>&1 &
	PIDS+=("backend:$!")
	for _ in $(seq 300); do [ -S "$WORK/rt.sock" ] && break; sleep 0.1; done
	attach_card rt
	rt=$CARD
	start_card plain playback:hw:Loopback,0,3
	plain=$CARD
	say "isolation: stress-ng on $(nproc) CPUs for $STRESS_S s, zones rt (card $rt) and plain (card $plain)"
	stress-ng --cpu "$(nproc)" --timeout "$((STRESS_S + 5))s" --quiet &
	local spid=$!
	sleep 2
	chrt -f 70 aplay -D "hw:$rt,0" "${alsa_opts[@]}" "$WORK/long.wav" >"$WORK/aplay-rt.log" 2>&1 &
	prt=$!
	aplay -D "hw:$plain,0" "${alsa_opts[@]}" "$WORK/long.wav" >"$WORK/aplay-plain.log" 2>&1 &
	pplain=$!
	wait "$prt" || say "isolation: aplay rt failed: $(cat "$WORK/aplay-rt.log")"
	wait "$pplain" || say "isolation: aplay plain failed: $(cat "$WORK/aplay-plain.log")"
	wait "$spid" || true
	grep -q 'SCHED_FIFO.*not allowed' "$WORK/rt.log" && say "isolation: the rt backend could not use SCHED_FIFO"
	out ""
	out "### 5. Isolation: stress-ng on every CPU for $STRESS_S s while two zones play"
	out ""
	out "| zone | audio threads | aplay underruns | backend underruns |"
	out "| --- | --- | ---: | ---: |"
	out "| rt | SCHED_FIFO 80 (aplay FIFO 70) | $(underruns_in "$WORK/aplay-rt.log") | $(underruns_in "$WORK/rt.log") |"
	out "| plain | SCHED_OTHER | $(underruns_in "$WORK/aplay-plain.log") | $(underruns_in "$WORK/plain.log") |"
}

for p in $PARTS; do
	case $p in
	cpu) part_cpu ;;
	scale) part_scale ;;
	isolation) part_isolation ;;
	*) fail "unknown part '$p'" ;;
	esac
done
check_dmesg
[ -z "$OUT" ] || cp "$report" "$OUT/table.md"
say "done"
