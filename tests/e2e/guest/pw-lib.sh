# Sourced by the PipeWire guest scripts (pw-*.sh): zone cards (virtio sound
# cards whose backends play into snd-aloop's hw:Loopback,0,N, card id = the
# zone's name, as the appliance's udev rule makes it), the project's
# WirePlumber rules installed in /etc, and PipeWire + WirePlumber started by
# hand as root with their own runtime dir and a private session bus (no
# systemd user instance, no logind).
. "$(dirname "${BASH_SOURCE[0]}")/snd-lib.sh"
PROBE=$REPO/build/policy/zone-router-probe
export XDG_RUNTIME_DIR=/run/vlo-pw
PW_PIDS=()
ZONE_SUB=()	# "zone:N": the zone's backend plays into hw:Loopback,0,N

pw_cleanup() {
	local p
	# PW_KEEP=DIR (a tests/vm/run --out DIR): keep the logs and captures.
	[ -n "${PW_KEEP:-}" ] && cp "$WORK"/*.log "$WORK"/*.out "$WORK"/*.wav "$PW_KEEP"/ 2>/dev/null
	for p in "${PW_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PW_PIDS[@]}"; do timeout 10 tail --pid="$p" -f /dev/null || kill -9 "$p" 2>/dev/null; done
	PW_PIDS=()
	udevadm control --exit 2>/dev/null || true
	cleanup
}
trap pw_cleanup EXIT

# zone_cards ZONE...: one card per zone, each backend playing into the
# zone's PCM of the project's snd-aloop profile (pipewire-conf/alsa/), whose
# cable numbers ZONE_CABLE repeats.
declare -A ZONE_CABLE=([driver]=0 [rear]=1 [chimes]=2 [passenger]=3)
zone_cards() {
	local z
	mkdir -p /etc/alsa/conf.d
	cp "$REPO/pipewire-conf/alsa/vlo-zones-aloop.conf" /etc/alsa/conf.d/60-vlo-zones.conf
	# PipeWire's ALSA monitor only takes cards udev has initialised; the
	# project's rule names zone cards for it.
	mkdir -p /etc/udev/rules.d
	cp "$REPO/pipewire-conf/udev/80-vlo-zone-names.rules" /etc/udev/rules.d/
	if ! pgrep -x systemd-udevd >/dev/null; then
		/lib/systemd/systemd-udevd --daemon || fail "systemd-udevd did not start"
	fi
	modprobe snd-aloop || fail "modprobe snd-aloop"
	load_module
	for z in "$@"; do
		[ -n "${ZONE_CABLE[$z]:-}" ] || fail "no cable for zone $z in the snd-aloop profile"
		start_card "$z" "playback:vlo_zone_$z"
		printf %s "$z" >"/sys/class/sound/card$CARD/id" || fail "cannot set card $CARD's id to $z"
		ZONE_SUB+=("$z:${ZONE_CABLE[$z]}")
	done
	# The ids changed after udev saw the cards: let it see them again.
	udevadm trigger --subsystem-match=sound --action=change
	udevadm settle --timeout=30 || fail "udevadm settle timed out"
}

zone_sub() {
	local x
	for x in "${ZONE_SUB[@]}"; do [ "${x%%:*}" = "$1" ] && { echo "${x#*:}"; return; }; done
	fail "no zone $1"
}

# start_pipewire: the project's rules, then pipewire and wireplumber; waits
# until every zone card's sink vlo.zone.<zone> exists.
start_pipewire() {
	local x
	mkdir -p /etc/wireplumber/main.lua.d /etc/wireplumber/bluetooth.lua.d "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	cp "$REPO/pipewire-conf/wireplumber-0.4/main.lua.d/51-vlo-zones.lua" /etc/wireplumber/main.lua.d/
	cp "$REPO/units/etc/wireplumber/main.lua.d/52-vlo-bench.lua" /etc/wireplumber/main.lua.d/
	cp "$REPO/tests/e2e/guest/pw-bench-rules.lua" /etc/wireplumber/main.lua.d/53-vlo-bench-guest.lua
	cp "$REPO/tests/e2e/guest/pw-bench-bluetooth.lua" /etc/wireplumber/bluetooth.lua.d/52-vlo-bench.lua
	# WirePlumber 0.4 gives up without a session bus (its portal and
	# reservation plugins): a private one, as a desktop session has.
	DBUS_SESSION_BUS_ADDRESS=$(dbus-daemon --session --fork --print-address=1 \
		--print-pid=4 4>"$WORK/dbus.pid") || fail "dbus-daemon --session failed"
	export DBUS_SESSION_BUS_ADDRESS
	PW_PIDS+=($(cat "$WORK/dbus.pid"))
	pipewire >"$WORK/pipewire.log" 2>&1 &
	PW_PIDS+=($!)
	for _ in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/pipewire-0" ] && break; sleep 0.1; done
	[ -S "$XDG_RUNTIME_DIR/pipewire-0" ] || fail "pipewire did not start"
	wireplumber >"$WORK/wireplumber.log" 2>&1 &
	PW_PIDS+=($!)
	for x in "${ZONE_SUB[@]}"; do
		wait_node "vlo.zone.${x%%:*}" || fail "no sink vlo.zone.${x%%:*} within 30 s"
	done
	say "pipewire and wireplumber up, zone sinks: $(pw-cli ls Node | sed -n 's/.*node.name = "\(vlo[^"]*\)".*/\1/p' | tr '\n' ' ')"
}

# wait_node NAME [SECONDS]: until a node named NAME exists (default 30 s).
wait_node() {
	local end=$((SECONDS + ${2:-30}))
	while [ $SECONDS -lt $end ]; do
		has_node "$1" && return 0
		sleep 0.2
	done
	return 1
}

# has_node NAME: a node named NAME exists now.
has_node() {
	local nodes
	nodes=$(pw-cli ls Node 2>/dev/null) || return 1
	grep -q "node.name = \"$1\"" <<<"$nodes"
}

# wait_log FILE PATTERN [SECONDS]: until FILE has a line matching PATTERN.
wait_log() {
	local end=$((SECONDS + ${3:-30}))
	while [ $SECONDS -lt $end ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# Waits here use bash builtins only: on a TCG guest of a loaded host every
# fork+exec can take a second, and 50 ms polls with grep and sleep then took
# minutes per capture. pause SECONDS: read with a timeout on a FIFO nobody
# writes.
mkfifo "$WORK/pause"
exec {PAUSE_FD}<>"$WORK/pause"
pause() { read -r -t "$1" -u "$PAUSE_FD" _ || true; }

# cap_running N: hw:Loopback,1,N captures (snd-aloop's own status file).
cap_running() {
	local l
	while IFS= read -r l; do
		[ "$l" = "state: RUNNING" ] && return 0
	done <"/proc/asound/Loopback/pcm1c/sub$1/status"
	return 1
}

# start_captures NAME SECONDS ZONE...: arecord on each zone's other end of
# snd-aloop (hw:Loopback,1,N) into $WORK/NAME-ZONE.wav, all running before
# it returns (fails after 60 s); T0 is when they started (date +%s.%N).
CAP_PIDS=()
start_captures() {
	local name=$1 secs=$2 z sub end
	shift 2
	CAP_PIDS=()
	for z in "$@"; do
		sub=$(zone_sub "$z")
		arecord -q -D "hw:Loopback,1,$sub" -f S16_LE -r 48000 -c 2 -d "$secs" \
			"$WORK/$name-$z.wav" 2>"$WORK/arecord-$name-$z.log" &
		CAP_PIDS+=($!)
	done
	end=$((SECONDS + 60))
	for z in "$@"; do
		sub=$(zone_sub "$z")
		until cap_running "$sub"; do
			[ $SECONDS -lt $end ] || fail "capture of $z (hw:Loopback,1,$sub) not running after 60 s"
			pause 0.05
		done
	done
	T0=$(date +%s.%N)
}

wait_captures() {
	local p
	for p in "${CAP_PIDS[@]}"; do wait "$p" || fail "arecord exited with an error"; done
}

# now: seconds since T0.
now() { echo "$(date +%s.%N) - $T0" | bc; }

# level FILE FROM TO: the steady level (dBFS, channel 0) of FILE between
# FROM and TO seconds: the 80th percentile of its 100 ms windows. Not the
# median: underruns of a loaded guest put gaps of silence into windows,
# which only ever lower their level.
level() {
	"$TOOLS/wavstat" --window 100 "$1" |
		awk -v a="$2" -v b="$3" '!/^#/ && $1 >= a && $1 + 0.1 <= b { print $2 }' |
		sort -g | awk '{ v[NR] = $1 }
			END { i = int(NR * 0.8 + 0.5); if (i < 1) i = 1; print (NR ? v[i] : -200) }'
}

# peak FILE FROM TO: the loudest 100 ms window's level (dBFS, channel 0)
# between FROM and TO seconds: a blip the median of level() would hide.
peak() {
	"$TOOLS/wavstat" --window 100 "$1" |
		awk -v a="$2" -v b="$3" 'BEGIN { m = -200 }
			!/^#/ && $1 >= a && $1 + 0.1 <= b && $2 > m { m = $2 } END { print m }'
}

# silent_from FILE FROM: the start (s) of the first 300 ms after FROM in
# which FILE is below -60 dBFS (three 100 ms windows in a row: a single
# one can be an underrun's gap), or none.
silent_from() {
	"$TOOLS/wavstat" --window 100 "$1" |
		awk -v a="$2" '!/^#/ && $1 >= a && !f { if ($2 >= -60) n = 0; else if (!n++) t = $1; f = n == 3 }
			END { print (f ? t : "none") }'
}

# span FILE: first and last time (s) of a window louder than -50 dBFS.
span() {
	"$TOOLS/wavstat" --window 100 "$1" |
		awk '!/^#/ && $2 > -50 { if (f == "") f = $1; l = $1 } END { print (f == "" ? "none none" : f " " l) }'
}

# freq FILE: the frequency of FILE's sound (Hz, channel 0; FILE is S16_LE
# stereo 48 kHz with a 44-byte header as arecord writes it), or nothing if
# it is silent. From zero crossings like wavstat's, but over at most 3 s of
# the sound and leaving out runs of digital silence (16 zero samples or
# more): a loaded guest's underruns are filled with zeros, and counting
# their time would lower the result.
freq() {
	local from to start frames
	read -r from to < <(span "$1")
	[ "$from" != none ] || return 0
	start=$(echo "($from + 0.3) * 48000 / 1" | bc)
	frames=$(echo "t = $to - $from - 0.3; if (t > 3) t = 3; if (t < 0.1) t = 0.1; t * 48000 / 1" | bc)
	dd if="$1" iflag=skip_bytes,count_bytes skip=$((44 + start * 4)) count=$((frames * 4)) \
		bs=65536 status=none | od -An -v -td2 -w4 |
		awk '$1 == 0 { z++; next }
			{ if (z < 16) { n += z + 1; if (have && ($1 > 0) != (prev > 0)) c++ } else n++
			  z = 0; prev = $1; have = 1 }
			END { if (n) printf "%.1f\n", c / 2 / (n / 48000) }'
}

# is EXPR...: a comparison of decimals for the checks (bc, 1 is true).
is() { [ "$(echo "$*" | bc)" = 1 ]; }
