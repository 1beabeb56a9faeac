#!/bin/bash
# In the bench guest (tests/bench/snd-vm-bench): what one zone's audio costs
# and how it holds up, measured side by side in this one guest run.
#
#  cpu       CPU per second of audio of one 48 kHz stereo S16 stream played
#            with aplay through a virtio card (vhost-user-sound bound to
#            hw:Loopback,0,0) versus aplay straight to hw:Loopback,0,1 and
#            two aplays at once (the floor): the busy time of every CPU
#            (busy_ns) over a SECS s window from 1 s after the start, and
#            over an idle window, subtracted. ROUNDS rounds, order rotated;
#            medians. Under --icount (with --smp 1) an instruction count.
#  perf      the same paths (and backend B's), sampled with `perf record -a'
#            while they play (the first 500 ms left out): where the CPU
#            goes, per process and thread kind, in % of all CPUs; finer
#            than cpu's 10 ms jiffies. ROUNDS rounds, order rotated; medians.
#  events    the same paths counted rather than timed: kernel events per
#            second of audio (syscalls, context switches, page faults, TLB
#            flushes, IPIs, work items; `perf stat -a' over the whole
#            stream), which TCG's speed does not change; medians of ROUNDS.
#  scale     N cards (null ends, each its own backend and adapter) playing at
#            once, N in SCALE: CPU per card and per second of audio (jiffies
#            of the whole run, and perf samples of its steady state), and the
#            underruns aplay and the backends reported.
#  isolation two zones on hw:Loopback,0,2 and 0,3 play for STRESS_S seconds
#            while stress-ng hogs every CPU: "rt" has SCHED_FIFO audio threads
#            (backend --rt-priority 80, aplay under chrt -f 70), "plain" has
#            neither (RT_HOST_PERIODS: the rt backend's --host-periods);
#            underruns per zone, and how late a SCHED_FIFO 90 thread
#            woke meanwhile (sched-lat: whether the guest itself stalled).
#  latency   an impulse (a click every 200 ms, CLICKS of them) played on a
#            virtio card whose backend is bound to hw:Loopback,0,4, versus
#            on hw:Loopback,0,5 directly, each captured from its
#            hw:Loopback,1,N (build/tests/bench/snd-latency): time from the
#            write to the capture, against the delay ALSA reported to the
#            writer; a buffer of LAT_BUFFER periods, each period of
#            LAT_PERIODS; ROUNDS rounds, order alternating; medians.
#  latency-hrtimer  the same, with snd-aloop reloaded to take its period
#            interrupts from an hrtimer (timer_source: the PCM timer of
#            snd-dummy hrtimer=1, kept playing silence at each period),
#            so that they come at the period boundary as a DMA interrupt
#            does, not up to a jiffy late; snd-aloop is reloaded as before
#            afterwards.
#  trace     where the time of each path goes: a SECS s window of the
#            steady state of direct, virtio (B) and an idle guest traced
#            (syscalls, switches, interrupts, softirqs, work items) into
#            OUT/trace-PATH.txt, which the host's tests/bench/trace-split
#            turns into a table (with --icount: of instructions).
#  timing    the interval between the wake-ups at which the position of a
#            playback stream moved (tx completions on the virtio card, bound
#            to hw:Loopback,0,6; snd-aloop's timer on hw:Loopback,0,7 as the
#            reference; build/tests/bench/snd-period), SECS s per run,
#            each period of LAT_PERIODS; ROUNDS runs; medians.
#
# Prints markdown tables; with OUT set, also writes them to $OUT/table.md.
. "$(dirname "$0")/../../e2e/guest/snd-lib.sh"
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
SCALE=${SCALE:-1 2 4 8 16}
STRESS_S=${STRESS_S:-30}
PARTS=${PARTS:-cpu perf events trace latency latency-hrtimer timing scale isolation}
LAT_PERIODS=${LAT_PERIODS:-10 20}
LAT_BUFFER=${LAT_BUFFER:-8}
CLICKS=${CLICKS:-20}
BENCH_BIN=$REPO/build/tests/bench
OUT=${OUT:-}
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
fmt=(-f S16_LE -r 48000 -c 2)
# Linux 6.12's ALSA fails a write with EIO when no period completes within
# 1.1 buffer times: a TCG guest on a busy host stalls that long, so the
# default buffer is generous. ALSA_OPTS overrides it.
read -r -a alsa_opts <<<"${ALSA_OPTS:---period-time=10000 --buffer-time=400000}"
report=$WORK/table.md
: >"$report"

modprobe snd-aloop pcm_substreams=8 || fail "modprobe snd-aloop"
load_module
say "module: $KO ($(sha256sum <"$KO" | cut -c1-12))"
"$TOOLS/wavgen" "${fmt[@]}" -d "$SECS" --seed 1 "$WORK/play.wav"

out() { echo "$*" | tee -a "$report"; }

# players.sh DEV...: the stream on every DEV at once; fails if one failed
# (perf record's workload in the perf and scale parts).
{
	echo '#!/bin/bash'
	echo 'p=(); st=0'
	printf 'for d in "$@"; do aplay -q -D "$d" %s %q & p+=($!); done\n' "${alsa_opts[*]}" "$WORK/play.wav"
	echo 'for x in "${p[@]}"; do wait "$x" || st=1; done; exit $st'
} >"$WORK/players.sh"
chmod +x "$WORK/players.sh"

# Busy jiffies of the whole guest so far (the scale part's whole runs).
busy() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# busy_ns: "BUSY NOW" summed over the CPUs, in ns since boot: each CPU's
# clock (`now at` of /proc/timer_list) and that minus its idle and iowait
# sleep time. A CPU adds an idle stretch to its sleep time only when it
# leaves it, so each CPU's entry is read by a process running on that CPU.
# Exact where /proc/stat's busy jiffies are sampled by the tick: work that
# the tick itself starts (snd-aloop's timer, the wake-ups it causes) and
# that ends before the next tick is never seen there; with `-icount' all
# of that work is in step with the tick.
busy_ns() {
	local c b=0 n=0 line
	for ((c = 0; c < NCPU; c++)); do
		line=$(taskset -c "$c" awk -v c="$c" '
			/^now at/ { now = $3 }
			/^cpu: / { cpu = $2 }
			cpu == c && /^ *\.(idle|iowait)_sleeptime/ { idle += $(NF - 1) }
			END { if (now == "" || cpu == "") exit 1; printf "%.0f %.0f\n", now - idle, now }' /proc/timer_list) ||
			return 1
		b=$((b + ${line% *})) n=$((n + ${line#* }))
	done
	echo "$b $n"
}

# cpu_of CMD...: start CMD; from 1 s after its start (past alsa-lib loading
# its configuration, and the stream's start) for SECS seconds, the guest's
# steady-state CPU: print "BUSY_NS WINDOW_NS" (WINDOW_NS: the window summed
# over the CPUs), or ERR when CMD ended before the window did (an aplay
# that a stalled guest failed with EIO) or busy_ns failed. CMD must run
# longer than that (under plain TCG each busy_ns takes seconds): it is
# stopped, with its children, once the window has closed.
cpu_of() {
	local p b0 b1 st=0
	"$@" 2>"$WORK/cpu-cmd.err" &
	p=$!
	sleep 1
	b0=$(busy_ns) || st=1
	sleep "$SECS"
	b1=$(busy_ns) || st=1
	if kill -0 "$p" 2>/dev/null; then
		pkill -TERM -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	else
		wait "$p" || true
		{
			cat "$WORK/cpu-cmd.err"
			echo "cpu: $* ended before the window did"
		} >>"$WORK/cpu-errors.log"
		st=1
	fi
	if [ "$st" != 0 ]; then
		echo ERR
		return 0
	fi
	echo "$((${b1% *} - ${b0% *})) $((${b1#* } - ${b0#* }))"
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

underruns_in() { cat "$@" 2>/dev/null | grep -ci 'underrun' || true; }

# play_all WAV DEV...: WAV on every DEV at once (two devices: the virtio
# path's floor, two ALSA writers, as aplay and the backend's ALSA end are);
# fails if one player failed.
play_all() {
	local wav=$1 d p=() st=0
	shift
	for d in "$@"; do
		aplay -q -D "$d" "${alsa_opts[@]}" "$wav" &
		p+=($!)
	done
	for d in "${p[@]}"; do wait "$d" || st=1; done
	return "$st"
}

# Backend B (BACKEND_B, on PIN_B's CPUs if set), as the tables name it.
B_NAME="${BACKEND_B:-}${PIN_B:+, on CPU $PIN_B}"

# start_b NAME: a card served by backend B, bound to hw:Loopback,0,3 (free
# during the parts that use it); sets CARD like start_card.
start_b() {
	BACKEND=$BACKEND_B BACKEND_WRAP=${PIN_B:+taskset -c $PIN_B} start_card "$1" playback:hw:Loopback,0,3
}

# rotated R PATH...: the paths in the order of round R (rotated by one a round).
rotated() {
	local r=$1
	shift
	local k=$(((r - 1) % $#))
	set -- "$@" "${@:1:$k}"
	echo "${@:$((k + 1))}"
}

# path_devs PATH: the devices PATH plays on (CARD_A: this tree's card;
# CARD_B: backend B's); none for idle.
path_devs() {
	case $1 in
	direct) echo hw:Loopback,0,1 ;;
	two) echo hw:Loopback,0,1 hw:Loopback,0,2 ;;
	virtio) echo "hw:$CARD_A,0" ;;
	B) echo "hw:$CARD_B,0" ;;
	esac
}

# play_path RUNNER PATH ROUND: RUNNER PATH ROUND DEV... with PATH's devices.
play_path() {
	# shellcheck disable=SC2046 # path_devs: a list of device names
	"$1" "$2" "$3" $(path_devs "$2")
}

# start_paths NAME: the cards of the paths: NAME's (CARD_A) and, with
# BACKEND_B, backend B's (NAMEb, CARD_B); PATHS: direct two virtio [B].
start_paths() {
	PATHS=(direct two virtio)
	start_card "$1" playback:hw:Loopback,0,0
	CARD_A=$CARD
	if [ -n "${BACKEND_B:-}" ]; then
		start_b "${1}b"
		CARD_B=$CARD
		PATHS+=(B)
	fi
}

# run_paths NAME RUNNER: ROUNDS rounds of every path (direct, two, virtio,
# and B with BACKEND_B), the order rotated each round; RUNNER's line of
# each play goes to $WORK/NAME.lines (a failed play, ERR, is left out).
run_paths() {
	local name=$1 runner=$2 r line path
	start_paths "$name"
	say "$name: $ROUNDS rounds of $SECS s, paths ${PATHS[*]}"
	: >"$WORK/$name.lines"
	for r in $(seq "$ROUNDS"); do
		for path in $(rotated "$r" "${PATHS[@]}"); do
			line=$(play_path "$runner" "$path" "$r")
			say "$line"
			[ "$line" = ERR ] || echo "$line" >>"$WORK/$name.lines"
		done
	done
}

# An awk function: the median of val[p, k, 1..cnt[p]].
AWK_MED='
function med(p, k,   n, i, j, t, a) {
	n = cnt[p]; for (i = 1; i <= n; i++) a[i] = val[p, k, i]
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}'

part_cpu() {
	local r path line ms
	# Longer than the window and its two busy_ns: cpu_of stops it.
	"$TOOLS/wavgen" "${fmt[@]}" -d $((SECS + 30)) --seed 1 "$WORK/cpu.wav"
	start_paths cpu
	PATHS+=(idle)
	# B: the same path through another build of the backend.
	[ -z "${BACKEND_B:-}" ] || say "cpu: backend B is $BACKEND_B (card $CARD_B)"
	say "cpu: $ROUNDS rounds, a window of $SECS s each, paths ${PATHS[*]}"
	: >"$WORK/cpu.lines"
	for r in $(seq "$ROUNDS"); do
		for path in $(rotated "$r" "${PATHS[@]}"); do
			if [ "$path" = idle ]; then
				line=$(cpu_of sleep $((SECS + 30)))
			else
				# shellcheck disable=SC2046 # path_devs: a list of device names
				line=$(cpu_of play_all "$WORK/cpu.wav" $(path_devs "$path"))
			fi
			if [ "$line" = ERR ]; then
				say "cpu: $path round $r: ERR"
				continue
			fi
			ms=$(awk -v b="${line% *}" -v w="${line#* }" -v n="$NCPU" 'BEGIN { printf "%.3f", b * n * 1000 / w }')
			say "cpu: $path round $r: busy $ms ms per s ($line ns)"
			echo "cpu $path $r $ms" >>"$WORK/cpu.lines"
		done
	done
	out ""
	out "### 1. CPU per second of audio (48 kHz stereo S16; steady state: a $SECS s window from 1 s after the start; busy time of every CPU from /proc/timer_list; median of $ROUNDS rounds)"
	out ""
	if [ -s "$WORK/cpu-errors.log" ]; then
		out "Failed plays (guest stalled?), left out:"
		sed 's/^/    /' "$WORK/cpu-errors.log" | tee -a "$report"
		out ""
	fi
	out "| path | CPU ms per s of audio | minus idle | ratio to direct | ratio to two writers | rounds |"
	out "| --- | ---: | ---: | ---: | ---: | ---: |"
	awk -v bname="$B_NAME" "$AWK_MED"'
	function ratio(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "n/a" }
	{ p = $2; val[p, "ms", ++cnt[p]] = $4 }
	END {
		name["direct"] = "aplay -> hw:Loopback (direct)"
		name["two"] = "two aplays -> hw:Loopback at once (the floor)"
		name["virtio"] = "aplay -> virtio card -> vhost-user-sound -> hw:Loopback"
		name["B"] = "the same through backend B (" bname ")"
		i = cnt["idle"] ? med("idle", "ms") : 0
		d = cnt["direct"] ? med("direct", "ms") - i : 0
		t = cnt["two"] ? med("two", "ms") - i : 0
		split("direct two virtio B", order, " ")
		for (o = 1; o <= 4; o++) {
			p = order[o]; if (!cnt[p]) continue
			m = med(p, "ms")
			printf "| %s | %.2f | %.2f | %s | %s | %d |\n", name[p], m, m - i, ratio(m - i, d), ratio(m - i, t), cnt[p]
		}
		if (cnt["idle"]) printf "| idle guest | %.2f | | | | %d |\n", i, cnt["idle"]
	}' "$WORK/cpu.lines" | tee -a "$report"
	stop_all
}

part_scale() {
	local n max=0 k cards=() b0 b1 t0 t1 pids x0 x1 aruns errs busy devs
	for n in $SCALE; do [ "$n" -gt "$max" ] && max=$n; done
	perf_ready
	say "scale: starting $max cards"
	for k in $(seq "$max"); do
		start_card "s$k" playback:null
		cards+=("$CARD")
	done
	out ""
	out "### 4. Cards playing at once (null ends, $SECS s each)"
	out ""
	out "| cards | CPU ms per card per s of audio | sampled: CPU ms per card per s | wall s | aplay underruns | aplay errors | backend underruns |"
	out "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
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
		# The same again under perf record, which samples the steady state
		# (jiffies count each aplay's start too; perf's own start would
		# count in them, hence a run of its own). n/a if an aplay failed.
		devs=()
		for k in $(seq 0 $((n - 1))); do devs+=("hw:${cards[$k]},0"); done
		busy=$(perf_busy "scale-$n" 1 "${devs[@]}" | awk '$1 != "ERR" { print $6 }')
		awk -v n="$n" -v b=$((b1 - b0)) -v hz="$HZ" -v s="$SECS" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
			-v a="$aruns" -v e="$errs" -v x=$((x1 - x0)) -v p="$busy" -v ncpu="$NCPU" \
			'BEGIN { printf "| %d | %.1f | %s | %.2f | %d | %d | %d |\n", n, b / hz / n / s * 1000,
				p == "" ? "n/a" : sprintf("%.1f", p / 100 * ncpu * 1000 / n), w, a, e, x }' |
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
	"$BACKEND" --name rt --rt-priority 80 ${RT_HOST_PERIODS:+--host-periods "$RT_HOST_PERIODS"} \
		--socket-path "$WORK/rt.sock" --stream playback:hw:Loopback,0,2 >>"$WORK/rt.log" 2>&1 &
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
	# Above both zones: how late a FIFO thread woke (did the whole guest stall?)
	"$BENCH_BIN/sched-lat" --secs "$STRESS_S" --priority 90 --late-ms 20 >"$WORK/sched-lat.txt" \
		2>&1 &
	local lpid=$!
	chrt -f 70 aplay -D "hw:$rt,0" "${alsa_opts[@]}" "$WORK/long.wav" >"$WORK/aplay-rt.log" 2>&1 &
	prt=$!
	aplay -D "hw:$plain,0" "${alsa_opts[@]}" "$WORK/long.wav" >"$WORK/aplay-plain.log" 2>&1 &
	pplain=$!
	wait "$prt" || say "isolation: aplay rt failed: $(cat "$WORK/aplay-rt.log")"
	wait "$pplain" || say "isolation: aplay plain failed: $(cat "$WORK/aplay-plain.log")"
	wait "$spid" || true
	wait "$lpid" || say "isolation: sched-lat failed: $(cat "$WORK/sched-lat.txt")"
	grep -q 'SCHED_FIFO.*not allowed' "$WORK/rt.log" && say "isolation: the rt backend could not use SCHED_FIFO"
	out ""
	out "### 5. Isolation: stress-ng on every CPU for $STRESS_S s while two zones play"
	out ""
	out "| zone | audio threads | aplay underruns | backend underruns |"
	out "| --- | --- | ---: | ---: |"
	out "| rt | SCHED_FIFO 80 (aplay FIFO 70)${RT_HOST_PERIODS:+, --host-periods $RT_HOST_PERIODS} | $(underruns_in "$WORK/aplay-rt.log") | $(underruns_in "$WORK/rt.log") |"
	out "| plain | SCHED_OTHER | $(underruns_in "$WORK/aplay-plain.log") | $(underruns_in "$WORK/plain.log") |"
	out ""
	# A FIFO 90 thread late by more than the rt zone's host buffer (a few
	# periods) means the guest itself stood still (a vCPU the host did not
	# run, under TCG): no priority inside the guest can help then.
	out "A SCHED_FIFO 90 thread waking every 5 ms beside the zones (build/tests/bench/sched-lat):" \
		"$(awk '/^wakeups /{ printf "%s wake-ups, p99 %s ms late, at most %s ms, %s later than %s ms", $2, $4, $6, $10, $8 }' \
			"$WORK/sched-lat.txt")$(awk '/^late_at_s /{ printf "%s%s ms at %s s", n++ ? ", " : " (", $4, $2 } END { if (n) printf ")" }' \
			"$WORK/sched-lat.txt")."
}

# lat_stats FILE: from snd-latency's click lines, "median p90 reported
# median-of-(measured - reported) device" in ms (medians over the clicks).
lat_stats() {
	awk '/^click /{ m[++n] = $4; r[n] = $6; d[n] = $4 - $6; x[n] = $8 }
	function srt(a, k,  i, j, t) { for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t } }
	function med(a, k) { return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
	END { if (!n) exit 1; srt(m, n); srt(r, n); srt(d, n); srt(x, n)
		printf "%.2f %.2f %.2f %.2f %.2f\n", med(m, n), m[int((n * 9 + 9) / 10)], med(r, n), med(d, n), med(x, n) }' "$1"
}

# col N LINE...: the median of field N of the lines.
col() {
	local n=$1 v
	shift
	mapfile -t v < <(printf '%s\n' "$@" | awk -v n="$n" '{ print $n }')
	median "${v[@]}" | awk '{ printf "%.2f\n", $1 }'
}

# What the backend and the kernel said lately, after a failed run.
lat_trouble() {
	tail -n 5 "$WORK/lat.log" 2>/dev/null | sed 's/^/    backend: /'
	dmesg | { grep -E "$SND_KLOG_TROUBLE" || true; } | tail -n 5 | sed 's/^/    kernel: /'
	true
}

# lat_rounds PART P CARD: ROUNDS runs of snd-latency at P ms periods on
# each path (virtio: CARD, bound to hw:Loopback,0,4; direct:
# hw:Loopback,0,5), order alternating; results in res[PATH-P], failures
# in nfail[PATH-P] (the caller's), a line per round in run.log.
lat_rounds() {
	local part=$1 p=$2 card=$3 r path dev cap f ok
	for r in $(seq "$ROUNDS"); do
		for path in $([ $((r % 2)) = 1 ] && echo "direct virtio" || echo "virtio direct"); do
			if [ "$path" = virtio ]; then dev=hw:$card,0 cap=hw:Loopback,1,4; else dev=hw:Loopback,0,5 cap=hw:Loopback,1,5; fi
			f=$WORK/$part-$path-$p-$r.txt
			if "$BENCH_BIN/snd-latency" --period-ms "$p" --periods "$LAT_BUFFER" --clicks "$CLICKS" \
				"$dev" "$cap" >"$f" 2>"$WORK/$part-errors-$path-$p-$r.log" && ok=$(lat_stats "$f"); then
				res[$path-$p]+="$ok"$'\n'
				say "$part: $path, period $p ms, round $r: median/p90/reported/diff/device $ok ms"
			else
				nfail[$path-$p]=$((${nfail[$path-$p]:-0} + 1))
				say "$part: $path, period $p ms, round $r failed: $(tr '\n' ' ' <"$WORK/$part-errors-$path-$p-$r.log")"
				lat_trouble
			fi
		done
	done
}

# lat_table TITLE: the table of res and nfail (the caller's).
lat_table() {
	local p path fails med=()
	out ""
	out "$1"
	out ""
	out "| path | period ms | runs ok / failed | measured median ms | measured p90 ms | reported delay ms | of which beyond the ring (latency_bytes) ms | measured - reported ms | added vs direct ms (periods) |"
	out "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for p in $LAT_PERIODS; do
		local dm=
		for path in direct virtio; do
			local lines=${res[$path-$p]:-} m p9 rp df dv added=
			fails=${nfail[$path-$p]:-0}
			if [ -z "$lines" ]; then
				out "| $path | $p | 0 / $fails | | | | | | |"
				continue
			fi
			mapfile -t med <<<"${lines%$'\n'}"
			m=$(col 1 "${med[@]}") p9=$(col 2 "${med[@]}") rp=$(col 3 "${med[@]}") df=$(col 4 "${med[@]}") dv=$(col 5 "${med[@]}")
			if [ "$path" = direct ]; then
				dm=$m added=-
			elif [ -n "$dm" ]; then
				added=$(awk -v a="$m" -v b="$dm" -v p="$p" 'BEGIN { printf "%.2f (%.2f)", a - b, (a - b) / p }')
			fi
			out "| $path | $p | ${#med[@]} / $fails | $m | $p9 | $rp | $dv | $df | $added |"
		done
	done
}

part_latency() {
	local p
	[ -x "$BENCH_BIN/snd-latency" ] || fail "$BENCH_BIN/snd-latency missing: make"
	declare -A res=() nfail=()
	start_card lat playback:hw:Loopback,0,4
	for p in $LAT_PERIODS; do lat_rounds latency "$p" "$CARD"; done
	lat_table "### 2. Added latency: a click written to the card until it shows up in the snd-aloop capture ($CLICKS clicks per run, buffer $LAT_BUFFER periods kept full, medians of $ROUNDS runs)"
	stop_all
}

# aloop_load [PARAM...]: snd-aloop (re)loaded with PARAMs; nothing may
# hold it (every card of a part stopped).
aloop_load() {
	if [ -d /sys/module/snd_aloop ]; then
		modprobe -r snd-aloop || fail "modprobe -r snd-aloop: still in use?"
	fi
	modprobe snd-aloop pcm_substreams=8 "$@" || fail "modprobe snd-aloop $*"
}

# The latency part again, with snd-aloop's period interrupts at the period
# boundary. snd-aloop's own (jiffies) timer runs a jiffy after the one it
# was armed for, so each period interrupt comes with the position a jiffy
# past the boundary; a driver that learns of a played period from that
# interrupt reports a jiffy too much. Clocked by another card's PCM timer
# (timer_source), snd-aloop moves by whole periods on that timer's ticks:
# snd-dummy's PCM, run by an hrtimer (hrtimer=1) and kept playing silence
# at the period under test, as a DMA interrupt would come.
part_latency_hrtimer() {
	local p clk
	[ -x "$BENCH_BIN/snd-latency" ] || fail "$BENCH_BIN/snd-latency missing: make"
	declare -A res=() nfail=()
	modprobe snd-dummy hrtimer=1 pcm_devs=1 pcm_substreams=1 id=VloClock ||
		fail "modprobe snd-dummy"
	aloop_load timer_source=VloClock.0.0
	for p in $LAT_PERIODS; do
		aplay -q -D hw:VloClock,0,0 -t raw "${fmt[@]}" --period-size=$((48 * p)) \
			--buffer-size=$((4 * 48 * p)) /dev/zero &
		clk=$!
		for _ in $(seq 100); do
			grep -qs RUNNING /proc/asound/VloClock/pcm0p/sub0/status && break
			sleep 0.1
		done
		grep -qs RUNNING /proc/asound/VloClock/pcm0p/sub0/status ||
			fail "latency-hrtimer: the clock (aplay on snd-dummy) is not running after 10 s"
		start_card lath playback:hw:Loopback,0,4
		lat_rounds latency-hrtimer "$p" "$CARD"
		stop_all
		kill "$clk"
		wait "$clk" 2>/dev/null || true
	done
	lat_table "### 2b. The same with snd-aloop clocked by an hrtimer (timer_source: snd-dummy's PCM timer, hrtimer=1, at the period): period interrupts at the period boundary ($CLICKS clicks per run, buffer $LAT_BUFFER periods kept full, medians of $ROUNDS runs)"
	aloop_load
	modprobe -r snd-dummy || fail "modprobe -r snd-dummy"
}

part_timing() {
	local card r p path dev f line
	[ -x "$BENCH_BIN/snd-period" ] || fail "$BENCH_BIN/snd-period missing: make"
	start_card tim playback:hw:Loopback,0,6
	card=$CARD
	out ""
	out "### 3. Completion timing: intervals between the wake-ups at which the stream position moved (48 kHz stereo S16, buffer 16 periods, $SECS s per run, medians of $ROUNDS runs; max: the largest of any run)"
	out ""
	out "| path | period ms | runs ok / failed | mean interval per period ms | p99 ms | max ms | wake-ups seeing >1 period (all runs) |"
	out "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for p in $LAT_PERIODS; do
		for path in virtio direct; do
			local lines=() fails=0 mx mu
			if [ "$path" = virtio ]; then dev=hw:$card,0; else dev=hw:Loopback,0,7; fi
			for r in $(seq "$ROUNDS"); do
				f=$WORK/period-$path-$p-$r.log
				if line=$("$BENCH_BIN/snd-period" --period-ms "$p" --periods 16 --secs "$SECS" "$dev" 2>"$f"); then
					lines+=("$line")
					say "timing: $path, period $p ms, round $r: $line"
				else
					fails=$((fails + 1))
					say "timing: $path, period $p ms, round $r failed: $(tr '\n' ' ' <"$f")"
				fi
			done
			if [ ${#lines[@]} = 0 ]; then
				out "| $path | $p | 0 / $fails | | | | |"
				continue
			fi
			mx=$(printf '%s\n' "${lines[@]}" | awk '$12 > m { m = $12 } END { printf "%.2f", m }')
			mu=$(printf '%s\n' "${lines[@]}" | awk '{ j += $14; w += $4 } END { printf "%d of %d", j, w }')
			out "| $path | $p | ${#lines[@]} / $fails | $(col 8 "${lines[@]}") | $(col 10 "${lines[@]}") | $mx | $mu |"
		done
	done
	stop_all
}

# perf_busy PATH ROUND DEV...: play the stream on each DEV at once under
# `perf record -a' (cpu-clock samples of every CPU), leaving out the first
# 500 ms (the players' start: alsa-lib loading its configuration); print a
# line of where the samples fell, in % of all CPUs: busy (everything but
# the idle task), aplay, the backend's audio threads (snd-io-N), its control
# threads, the adapter, kernel workers, the rest. ERR when a player failed.
# (perf comes first: under TCG its own start takes seconds.)
# perf_ready: perf is there and may sample every CPU.
perf_ready() {
	command -v perf >/dev/null || fail "perf missing (Debian package linux-perf: make setup)"
	echo -1 >/proc/sys/kernel/perf_event_paranoid
}

perf_busy() {
	local path=$1 r=$2
	shift 2
	perf record -q -e cpu-clock -F 1000 -a -D 500 -o "$WORK/perf.data" -- \
		"$WORK/players.sh" "$@" >>"$WORK/perf-errors.log" 2>&1 || { echo ERR; return 0; }
	perf_split "$path" "$r"
}

# perf_split PATH ROUND: $WORK/perf.data as one line: % of all CPUs busy,
# and its split by process and thread kind.
perf_split() {
	local path=$1 r=$2
	perf report -q -i "$WORK/perf.data" --sort comm --stdio 2>>"$WORK/perf-errors.log" | awk -v path="$path" -v r="$r" '
		{ v = $1; sub(/%$/, "", v); c = $2 }
		c == "swapper" { next }
		{ busy += v }
		c == "aplay" { a += v; next }
		c ~ /^snd-io-/ { io += v; next }
		c ~ /^vhost-user-so/ { ctl += v; next }
		c ~ /^virtio-loopbac/ { ad += v; next }
		c ~ /^kworker/ { kw += v; next }
		{ rest += v }
		END { printf "perf: %s round %d: busy %.2f aplay %.2f audio %.2f control %.2f adapter %.2f kworkers %.2f rest %.2f\n", path, r, busy, a, io, ctl, ad, kw, rest }'
}

part_perf() {
	perf_ready
	run_paths perf perf_busy
	out ""
	out "### 1b. Where the CPU goes (perf record -a, cpu-clock samples of every CPU while a $SECS s stream plays, its first 500 ms left out; median of $ROUNDS rounds; % of all $NCPU CPUs)"
	out ""
	out "| path | busy % | CPU ms per s | ratio to direct | ratio to two writers | aplay | backend audio threads | backend control thread | adapter | kernel workers | rest |"
	out "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	awk -v ncpu="$NCPU" -v bname="$B_NAME" "$AWK_MED"'
	function ratio(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "n/a" }
	{ p = $2; n = ++cnt[p]; for (k = 6; k <= NF; k += 2) val[p, $(k - 1), n] = $k }
	END {
		name["direct"] = "aplay -> hw:Loopback (direct)"
		name["two"] = "two aplays -> hw:Loopback at once (the floor)"
		name["virtio"] = "aplay -> virtio card -> vhost-user-sound -> hw:Loopback"
		name["B"] = "the same through backend B (" bname ")"
		d = med("direct", "busy"); t = med("two", "busy")
		split("direct two virtio B", order, " ")
		for (o = 1; o <= 4; o++) {
			p = order[o]; if (!cnt[p]) continue
			b = med(p, "busy")
			printf "| %s | %.2f | %.1f | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", name[p], b,
				b / 100 * ncpu * 1000, ratio(b, d), ratio(b, t), med(p, "aplay"), med(p, "audio"),
				med(p, "control"), med(p, "adapter"), med(p, "kworkers"), med(p, "rest")
		}
	}' "$WORK/perf.lines" | tee -a "$report"
	stop_all
}

# The kernel events part events counts: perf's name and the table's.
EVENTS=(raw_syscalls:sys_enter context-switches page-faults tlb:tlb_flush
	irq_vectors:call_function_entry irq_vectors:call_function_single_entry
	irq_vectors:reschedule_entry workqueue:workqueue_execute_start)
EVENT_NAMES=(syscalls "context switches" "page faults" "TLB flushes"
	"IPIs: function calls" "IPIs: single function calls" "IPIs: reschedule" "work items")

# perf_count PATH ROUND DEV...: the stream on every DEV, counted with
# perf stat on every CPU; one line of counts in EVENTS' order, or ERR.
perf_count() {
	local path=$1 r=$2 ev
	shift 2
	ev=$(IFS=,; echo "${EVENTS[*]}")
	perf stat -a -x, -e "$ev" -o "$WORK/stat.csv" -- "$WORK/players.sh" "$@" \
		>>"$WORK/perf-errors.log" 2>&1 || { echo ERR; return 0; }
	awk -F, -v path="$path" -v r="$r" -v evs="${EVENTS[*]}" '
		BEGIN { n = split(evs, e, " ") }
		$3 != "" { c[$3] = $1 }
		END {
			printf "events: %s round %d:", path, r
			for (i = 1; i <= n; i++) printf " %s", (e[i] in c && c[e[i]] ~ /^[0-9]+$/) ? c[e[i]] : "n/a"
			printf "\n"
		}' "$WORK/stat.csv"
}

part_events() {
	perf_ready
	run_paths events perf_count
	out ""
	out "### 1c. Kernel events per second of audio (perf stat -a over a whole $SECS s stream, aplay's start included; median of $ROUNDS rounds)"
	out ""
	awk -v secs="$SECS" -v names="$(IFS=';'; echo "${EVENT_NAMES[*]}")" -v bname="$B_NAME" "$AWK_MED"'
	{ p = $2; n = ++cnt[p]; for (k = 5; k <= NF; k++) { val[p, k - 4, n] = $k; if ($k == "n/a") na[p, k - 4] = 1 } }
	END {
		ne = split(names, name, ";")
		split("direct two virtio B", order, " ")
		head["direct"] = "direct"; head["two"] = "two writers"; head["virtio"] = "virtio"; head["B"] = "B (" bname ")"
		printf "| event per s of audio |"; sep = "| --- |"
		for (o = 1; o <= 4; o++) if (cnt[order[o]]) { printf " %s |", head[order[o]]; sep = sep " ---: |" }
		printf " virtio / direct | virtio / two writers |\n%s ---: | ---: |\n", sep
		for (k = 1; k <= ne; k++) {
			printf "| %s |", name[k]
			for (o = 1; o <= 4; o++) {
				p = order[o]; if (!cnt[p]) continue
				m[p] = na[p, k] ? -1 : med(p, k) / secs
				printf " %s |", m[p] < 0 ? "n/a" : sprintf("%.1f", m[p])
			}
			printf " %s | %s |\n", (m["direct"] > 0 && m["virtio"] >= 0) ? sprintf("%.2f", m["virtio"] / m["direct"]) : "n/a",
				(m["two"] > 0 && m["virtio"] >= 0) ? sprintf("%.2f", m["virtio"] / m["two"]) : "n/a"
		}
	}' "$WORK/events.lines" | tee -a "$report"
	stop_all
}

# The events part_trace records: every entry to and exit from the kernel
# that has a tracepoint, so that the time between two events belongs to
# one context (a task in user space or in a syscall, an interrupt, a
# softirq, a work item).
TRACE_EVENTS=(raw_syscalls/sys_enter raw_syscalls/sys_exit sched/sched_switch
	irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit
	irq_vectors/local_timer_entry irq_vectors/local_timer_exit
	workqueue/workqueue_execute_start workqueue/workqueue_execute_end)

# part_trace: for each path (direct, virtio, B, idle) a SECS s window of the
# steady state traced (TRACE_EVENTS, on the x86 TSC's clock), saved as
# OUT/trace-PATH.txt; the host's tests/bench/trace-split turns them into
# the table of where the time went. With --icount the TSC counts
# instructions, so that table is one of instructions, not TCG's speed.
part_trace() {
	local path devs ap e T=/sys/kernel/tracing paths
	[ -n "$OUT" ] || fail "trace: needs OUT (the host's --out) for the traces"
	[ -d $T/events ] || mount -t tracefs nodev $T || fail "trace: cannot mount tracefs"
	"$TOOLS/wavgen" "${fmt[@]}" -d $((SECS + 2)) --seed 1 "$WORK/cpu.wav"
	start_paths trace
	paths=(direct virtio ${BACKEND_B:+B} idle)
	mkfifo "$WORK/never.fifo"
	echo 0 >$T/tracing_on
	echo $((2048 * SECS)) >$T/buffer_size_kb || fail "trace: buffer_size_kb"
	echo x86-tsc >$T/trace_clock || fail "trace: no x86-tsc trace clock (x86 guests only)"
	for e in "${TRACE_EVENTS[@]}"; do echo 1 >"$T/events/$e/enable" || fail "trace: event $e"; done
	say "trace: paths ${paths[*]}, a window of $SECS s each, TSC $(awk '/tsc: Refined TSC|tsc: Detected/ { v = $0 } END { print v }' <(dmesg))"
	for path in "${paths[@]}"; do
		ap=''
		devs=$(path_devs "$path")
		if [ -n "$devs" ]; then
			# shellcheck disable=SC2086 # a list of device names
			play_all "$WORK/cpu.wav" $devs 2>>"$WORK/trace-errors.log" &
			ap=$!
		fi
		sleep 1
		echo >$T/trace
		echo 1 >$T/tracing_on
		# bash's own timed read: no sleep process starting in the window
		read -r -t "$SECS" _ <>"$WORK/never.fifo" || true
		echo 0 >$T/tracing_on
		cp $T/trace "$OUT/trace-$path.txt"
		say "trace: $path: $(grep -c ': ' "$OUT/trace-$path.txt") events, $(awk '/entries-in-buffer/ { print $3 }' "$OUT/trace-$path.txt") in the buffer"
		if [ -n "$ap" ] && ! wait "$ap"; then
			say "trace: $path: aplay failed (below); its trace is left out"
			sed 's/^/    /' "$WORK/trace-errors.log"
			rm -f "$OUT/trace-$path.txt"
		fi
	done
	for e in "${TRACE_EVENTS[@]}"; do echo 0 >"$T/events/$e/enable"; done
	echo local >$T/trace_clock
	stop_all
}

# BACKEND_ARGS (snd-lib's start_card passes them to every backend it starts).
[ -z "${BACKEND_ARGS:-}" ] || { out ""; out "Backends started as cards with: $BACKEND_ARGS"; }
for p in $PARTS; do
	case $p in
	cpu) part_cpu ;;
	perf) part_perf ;;
	events) part_events ;;
	scale) part_scale ;;
	isolation) part_isolation ;;
	latency) part_latency ;;
	latency-hrtimer) part_latency_hrtimer ;;
	timing) part_timing ;;
	trace) part_trace ;;
	*) fail "unknown part '$p'" ;;
	esac
done
check_dmesg
[ -z "$OUT" ] || cp "$report" "$OUT/table.md"
say "done"
