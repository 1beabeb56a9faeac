#!/bin/bash
# In the guest booted by `tests/vm/run --systemd --install`: the appliance
# came up by itself from what `make install-bench` put in the root. Checks,
# with nothing started by hand:
#  - virtio_loopback.ko was loaded from /lib/modules/KVER/updates (modules-load.d),
#    vlo-zones.target is enabled and active;
#  - per zone (driver, rear, chimes: /etc/vlo/sound/*.conf through the
#    generator) the backend socket, the backend (unprivileged) and the
#    adapter are active, in the zone's slice;
#  - the zones' cards have the ALSA ids driver, rear, chimes (udev rule from the
#    adapter's --label), each on its own virtio-loopback device;
#  - noise played on hw:CARD=<zone> arrives bit-exact on the zone's own
#    hw:Loopback,1,N, each zone alone and (at the end) all at the same time,
#    then not on another zone's substream;
#  - a backend killed with SIGKILL is restarted by systemd, the adapter (not
#    restarted) brings the card back under the same name, and the zone plays
#    bit-exact again within RECOVER_MAX seconds;
#  - an adapter killed with SIGKILL in mid-stream: aplay fails (no hang),
#    systemd restarts the adapter, the backend (not restarted) serves it, and
#    the zone plays bit-exact again within RECOVER_MAX seconds;
#  - vlo-zoned is active, `zonectl list` shows the zones, and it applied
#    /etc/vlo/zones.conf by itself: each zone's slice has its AllowedCPUs=
#    and every thread of each backend its CPUs, policy and priority or nice
#    (/proc/PID/task/*/stat and status, and chrt, which asks sched_getattr);
#  - `zonectl set driver priority N`: every thread is at N when zonectl
#    returns, the daemon confirmed it within 100 ms, and the restarted
#    backend gets it too; under the installed D-Bus policy, nobody may
#    `zonectl list` but nobody's `zonectl set` is refused and changes nothing;
#  - `systemctl --failed` is empty and the kernel log has no oops, WARN, BUG
#    or call trace.
set -euo pipefail
REPO=${VLO_REPO:-$(cd "$(dirname "$0")/../../.." && pwd -P)}
TOOLS=$REPO/build/tests/tools
. "$REPO/tests/e2e/guest/alsa-capture.sh"
. "$REPO/tests/e2e/guest/task-sched.sh"
ZONES=(driver rear chimes)	# substreams 0, 1, 2 of the bench's snd-aloop
UP_MAX=${UP_MAX:-240}		# seconds from systemd's start until every zone is up
RECOVER_MAX=${RECOVER_MAX:-60}	# seconds from SIGKILL until the zone plays again
WORK=$(mktemp -d /tmp/appliance.XXXXXX)
me=$(basename "$0")

say() { echo "$me: $*"; }
fail() {
	echo "$me: FAIL: $*" >&2
	systemctl --no-pager list-units --all 'vlo*' 'vhost-user-sound@*' \
		'virtio-loopback-adapter@*' >&2 || true
	journalctl -b --no-pager -n 60 -u 'vhost-user-sound@*' \
		-u 'virtio-loopback-adapter@*' -u 'vlo-*' >&2 || true
	cat /proc/asound/cards >&2 || true
	dmesg | grep -iE 'virtio|snd|vlo' | tail -n 15 >&2 || true
	# Who had the CPUs (a real-time thread that spins starves the rest).
	ps -eLo pid,tid,cls,rtprio,ni,psr,pcpu,time,comm --sort=-pcpu 2>/dev/null | head -n 25 >&2 || true
	exit 1
}
mono_s() { cut -d' ' -f1 /proc/uptime; }
prop() { systemctl show -P "$2" "$1"; }

# --- up by itself, within UP_MAX seconds of boot
for _ in $(seq "$UP_MAX"); do
	[ "$(systemctl is-active vlo-zones.target)" = active ] && break
	sleep 1
done
[ "$(systemctl is-active vlo-zones.target)" = active ] ||
	fail "vlo-zones.target not active ${UP_MAX}s after boot"
up_us=$(prop vlo-zones.target ActiveEnterTimestampMonotonic)
pid1_us=$(systemctl show -P UserspaceTimestampMonotonic)
up_s=$(echo "scale=1; ($up_us - $pid1_us) / 1000000" | bc)
say "vlo-zones.target active ${up_s} s after systemd started" \
	"($(echo "scale=1; $up_us / 1000000" | bc) s after the kernel)"
[ "$(echo "$up_s <= $UP_MAX" | bc)" = 1 ] || fail "zones up only ${up_s}s after systemd started"
[ "$(systemctl is-enabled vlo-zones.target)" = enabled ] ||
	fail "vlo-zones.target is not enabled by make install"

grep -q '^virtio_loopback ' /proc/modules || fail "virtio_loopback is not loaded"
ko=$(modinfo -n virtio_loopback)
case "$ko" in */updates/virtio_loopback.ko) ;; *) fail "module loaded from $ko, not updates/" ;; esac
[ -c /dev/virtio-loopback ] || fail "/dev/virtio-loopback missing"
say "virtio_loopback loaded from $ko"

sub=0
declare -A SUB
for z in "${ZONES[@]}"; do
	SUB[$z]=$sub
	sub=$((sub + 1))
	for u in "vhost-user-sound@$z.socket" "vhost-user-sound@$z.service" \
		"virtio-loopback-adapter@$z.service" "vlo-zone@$z.target"; do
		# vlo-zones.target is reached before socket activation has run
		# the backend, whose host card may also come late (snd-aloop's
		# card was seen to register some 10 s after its module loaded
		# under TCG): wait, bounded.
		for _ in $(seq 120); do
			[ "$(systemctl is-active "$u")" = active ] && break
			sleep 0.5
		done
		[ "$(systemctl is-active "$u")" = active ] || fail "$u is not active"
	done
	for u in "vhost-user-sound@$z.service" "virtio-loopback-adapter@$z.service"; do
		[ "$(prop "$u" Slice)" = "vlo-zone-$z.slice" ] || fail "$u not in vlo-zone-$z.slice"
	done
	pid=$(prop "vhost-user-sound@$z.service" MainPID)
	uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
	[ "$uid" != 0 ] || fail "backend of $z runs as root"
	grep -qx "$uid" <<<"${UIDS:-}" && fail "backend of $z shares uid $uid with another zone"
	UIDS="${UIDS:-}$uid
"
	# The card: id = zone, on a virtio-loopback device labelled with it.
	[ -e "/proc/asound/$z" ] || fail "no ALSA card with id $z"
	card=$(readlink "/proc/asound/$z")
	label=$(cat "/sys/class/sound/$card/device/../label")
	[ "$label" = "$z" ] || fail "card $z's device is labelled '$label'"
	say "zone $z: backend pid $pid (uid $uid), adapter pid" \
		"$(prop "virtio-loopback-adapter@$z.service" MainPID), $card" \
		"($(basename "$(readlink -f "/sys/class/sound/$card/device/..")"))"
done
[ "$(grep -cE '^ *[0-9]+ \[.*VirtIO SoundCard' /proc/asound/cards)" = "${#ZONES[@]}" ] ||
	fail "expected ${#ZONES[@]} virtio cards: $(cat /proc/asound/cards)"

# --- the policy daemon runs, knows the three zones and applied them
[ -x /usr/libexec/vlo/vlo-zoned ] || fail "make install did not install vlo-zoned"
[ "$(systemctl is-active vlo-zoned.service)" = active ] || fail "vlo-zoned is not active"
list=$(timeout 30 zonectl list) || fail "zonectl list failed: $list"
for z in "${ZONES[@]}"; do
	grep -qE "^${z}[[:space:]]" <<<"$list" || fail "zonectl list lacks zone $z: $list"
done
say "vlo-zoned active; zonectl list:"
printf '    %s\n' "${list//$'\n'/$'\n    '}"

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# zone_ok: task-sched.sh
# zone_wait MS ZONE CPUS POLICY PRIO NICE: polls the zone's backend (its pid
# read again each time: it may be restarting) until zone_ok; WAITED in ms.
zone_wait() {
	local ms=$1 z=$2 t0 pid why=
	shift 2
	t0=$(now_ms)
	while :; do
		pid=$(prop "vhost-user-sound@$z.service" MainPID)
		[ "$pid" != 0 ] && why=$(zone_ok "$pid" "$@") && break
		[ $(($(now_ms) - t0)) -lt "$ms" ] || fail "zone $z after $ms ms: ${why:-no backend} (want cpus $1 policy $2 prio $3 nice $4)"
		sleep 0.02
	done
	WAITED=$(($(now_ms) - t0))
}
# chrt_is PID POLICY PRIO: chrt (sched_getattr) agrees for every thread.
chrt_is() {
	local t out
	for t in /proc/"$1"/task/*; do
		out=$(chrt -p "${t##*/}") || fail "chrt -p ${t##*/}"
		grep -q "policy: $2\$" <<<"$out" && grep -q "priority: $3\$" <<<"$out" ||
			fail "chrt of thread ${t##*/} of $1: $out (want $2/$3)"
	done
}
# The bench's zones.conf (units/etc/vlo/zones.conf): driver CPU 1 fifo 80,
# chimes CPU 1 fifo 85, rear CPU 0 other nice 5. Applied at the daemon's
# start; a backend started after it is handled within a rescan (25 ms).
declare -A WANT=([driver]="1 1 80 0" [chimes]="1 1 85 0" [rear]="0 0 0 5")
declare -A CHRT=([driver]="SCHED_FIFO 80" [chimes]="SCHED_FIFO 85" [rear]="SCHED_OTHER 0")
for z in "${ZONES[@]}"; do
	# shellcheck disable=SC2086
	zone_wait 10000 "$z" ${WANT[$z]}
	pid=$(prop "vhost-user-sound@$z.service" MainPID)
	# shellcheck disable=SC2086
	chrt_is "$pid" ${CHRT[$z]}
	cpus=${WANT[$z]%% *}
	[ "$(prop "vlo-zone-$z.slice" AllowedCPUs)" = "$cpus" ] ||
		fail "vlo-zone-$z.slice AllowedCPUs '$(prop "vlo-zone-$z.slice" AllowedCPUs)', not $cpus"
	say "zone $z: slice AllowedCPUs=$cpus; all $(ls "/proc/$pid/task" | wc -l) backend" \
		"threads on CPU $cpus, ${CHRT[$z]} (stat, chrt)"
done

# --- a run-time change: on every thread when zonectl returns, confirmed by
# the daemon within 100 ms (its own clock: zonectl's start under TCG is slow)
pid=$(prop "vhost-user-sound@driver.service" MainPID)
t0=$(now_ms)
out=$(timeout 30 zonectl set driver priority 70 2>&1) || fail "zonectl set driver priority 70: $out"
t1=$(now_ms)
why=$(zone_ok "$pid" 1 1 70 0) || fail "zonectl set driver priority 70 returned, but $why"
chrt_is "$pid" SCHED_FIFO 70
ms=$(journalctl -b --no-pager -o cat -u vlo-zoned.service |
	sed -n 's/.*zone driver: priority = 70, applied to \([0-9]*\) of \1 thread(s) in \([0-9.]*\) ms.*/\2/p' | tail -n1)
[ -n "$ms" ] || fail "vlo-zoned logged no complete apply of driver priority 70"
[ "${ms%.*}" -lt 100 ] || fail "driver priority 70 took $ms ms in vlo-zoned (bound 100)"
say "zonectl set driver priority 70: every thread at SCHED_FIFO 70 when zonectl" \
	"returned ($((t1 - t0)) ms round trip); the daemon applied it in $ms ms"
# The installed D-Bus policy: a user neither root nor in group vlo may list
# the zones but change nothing.
st=0; denied=$(timeout 30 setpriv --reuid=nobody --regid=nogroup --init-groups \
	zonectl set driver priority 10 2>&1) || st=$?
[ "$st" = 4 ] || fail "nobody's zonectl set under the installed bus policy: status $st: $denied"
st=0; out=$(timeout 30 setpriv --reuid=nobody --regid=nogroup --init-groups zonectl list 2>&1) || st=$?
[ "$st" = 0 ] || fail "nobody's zonectl list: status $st: $out"
why=$(zone_ok "$pid" 1 1 70 0) || fail "after nobody's zonectl set: $why"
say "installed bus policy: nobody may list, nobody's set is refused ($denied)"

# --- play_zones ZONE...: different noise on each zone's card at the same
# time, captured on the zone's loopback substream. MISSING lists the zones
# whose noise did not arrive bit-exact; cross-talk fails at once.
fmt=(-f S16_LE -r 48000 -c 2)
alsa_opts=(--period-time=20000 --buffer-time=200000)
frames=$((48000 * 3 / 2))
seed=40
play_zones() {
	local z caps=() plays=() i=0 st
	for z in "$@"; do
		seed=$((seed + 1))
		"$TOOLS/wavgen" "${fmt[@]}" -d 1.5 --silence-after 0.25 --seed "$seed" "$WORK/$z-in.wav"
		capture_start Loopback 1 "${SUB[$z]}" "$WORK/$z-cap.wav" -q "${fmt[@]}" "${alsa_opts[@]}" ||
			fail "capture for $z"
		caps+=("$capture_pid")
	done
	for z in "$@"; do
		aplay -q "${alsa_opts[@]}" -D "hw:CARD=$z,DEV=0" "$WORK/$z-in.wav" 2>"$WORK/$z-aplay.log" &
		plays+=($!)
	done
	for z in "$@"; do
		st=0
		wait "${plays[$i]}" || st=$?
		[ "$st" = 0 ] || fail "aplay on hw:CARD=$z exited $st: $(cat "$WORK/$z-aplay.log")"
		i=$((i + 1))
	done
	for capture_pid in "${caps[@]}"; do capture_stop; done
	MISSING=
	for z in "$@"; do
		if ! "$TOOLS/wavcmp" --first $frames "$WORK/$z-in.wav" "$WORK/$z-cap.wav" \
			>"$WORK/$z-cmp.txt" 2>&1; then
			cat "$WORK/$z-cmp.txt"
			say "zone $z: hw:Loopback,1,${SUB[$z]} lacks the noise played; the capture:"
			"$TOOLS/wavstat" "$WORK/$z-cap.wav" | sed 's/^/    /' || true
			MISSING="$MISSING $z"
			continue
		fi
		for o in "$@"; do
			[ "$o" = "$z" ] && continue
			! "$TOOLS/wavcmp" --first $frames "$WORK/$o-in.wav" "$WORK/$z-cap.wav" \
				>/dev/null 2>&1 || fail "zone $o's noise arrived on zone $z's substream"
		done
	done
}
# play_exact ZONE...: play_zones; a zone that missed is played again (at
# most twice) only when the miss looks like the emulated machine missing its
# time (TCG on a loaded host), not a routing fault: its backend logged an
# underrun of its host device during the attempt, or its own noise arrived
# in order from the start and broke off later (a dropout: the capture side
# overran or the guest stood still). A miss of any other kind (the noise
# absent or not from its start) fails at once; cross-talk fails in
# play_zones.
# RETRIES counts the replays.
RETRIES=0
play_exact() {
	local zones=("$@") cursor z again attempt
	for attempt in 1 2 3; do
		cursor=$(journalctl -n 1 -o cat --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
		play_zones "${zones[@]}"
		[ -n "$MISSING" ] || return 0
		journalctl --sync 2>/dev/null || true
		again=()
		for z in $MISSING; do
			if ! grep -q 'underrun' <<<"$(journalctl --no-pager -o cat \
				--after-cursor "$cursor" -u "vhost-user-sound@$z.service")" &&
				! grep -q 'played frames 0\.\.[0-9]* found at capture frame' \
					"$WORK/$z-cmp.txt"; then
				return 0	# not the load: MISSING stands
			fi
			again+=("$z")
		done
		[ "$attempt" = 3 ] && return 0
		say "zone(s)${MISSING}: an underrun or a dropout (load); playing again"
		RETRIES=$((RETRIES + 1))
		zones=("${again[@]}")
	done
}
for z in rear driver chimes; do
	play_exact "$z"
	[ -z "$MISSING" ] || fail "zone $z not bit-exact on its loopback substream"
done
say "each zone played bit-exact into its own loopback substream ($RETRIES replay(s) after underruns or dropouts)"

# wait_zone_back ZONE UNIT OLDPID T0 WHAT: after WHAT (pid OLDPID) of ZONE
# was killed at T0, wait until UNIT runs a new process and the zone's card
# and its playback device are back; sets new. Fails after RECOVER_MAX s.
wait_zone_back() {
	local z=$1 unit=$2 old=$3 t0=$4 what=$5 el
	new=
	while :; do
		el=$(echo "$(mono_s) - $t0" | bc)
		[ "$(echo "$el > $RECOVER_MAX" | bc)" = 0 ] ||
			fail "zone $z not back ${RECOVER_MAX}s after its $what was killed"
		new=$(prop "$unit" MainPID)
		if [ "$new" != 0 ] && [ "$new" != "$old" ] &&
			[ "$(systemctl is-active "$unit")" = active ] &&
			[ -e "/proc/asound/$z" ] &&
			[ -e "/dev/snd/pcmC$(readlink "/proc/asound/$z" | tr -dc 0-9)D0p" ]; then
			return 0
		fi
		sleep 0.2
	done
}

# --- a backend dies: systemd restarts it, the adapter brings the card back
# Restarts are counted from here: a backend started before its host card
# registered has already been restarted by systemd at boot (by design).
declare -A restarts0
for o in "${ZONES[@]}"; do
	restarts0[$o]=$(prop "vhost-user-sound@$o.service" NRestarts)
done
z=driver
old=$(prop "vhost-user-sound@$z.service" MainPID)
adapter=$(prop "virtio-loopback-adapter@$z.service" MainPID)
t0=$(mono_s)
kill -KILL "$old"
wait_zone_back "$z" "vhost-user-sound@$z.service" "$old" "$t0" backend
back=$(echo "$(mono_s) - $t0" | bc)
play_exact "$z"
[ -z "$MISSING" ] || fail "zone $z not bit-exact after its backend's restart"
played=$(echo "$(mono_s) - $t0" | bc)
[ "$(echo "$played <= $RECOVER_MAX" | bc)" = 1 ] ||
	fail "zone $z played again only ${played}s after the kill (bound ${RECOVER_MAX}s)"
[ "$(prop "vhost-user-sound@$z.service" NRestarts)" = $((restarts0[$z] + 1)) ] ||
	fail "vhost-user-sound@$z restarted $(prop "vhost-user-sound@$z.service" NRestarts) times (${restarts0[$z]} before the kill)"
[ "$(prop "virtio-loopback-adapter@$z.service" MainPID)" = "$adapter" ] ||
	fail "the adapter of $z was restarted instead of reconnecting"
say "backend of $z killed (pid $old): restarted as pid $new, card $z back after ${back}s," \
	"playing bit-exact again ${played}s after the kill; adapter pid $adapter kept"
# The new backend process has the zone's settings, with the run-time change.
zone_wait 2000 "$z" 1 1 70 0
say "restarted backend of $z at CPU 1, SCHED_FIFO 70 (the run-time priority) after $WAITED ms"
# --- an adapter dies in mid-stream: aplay gets an error (no hang), systemd
# restarts the adapter, the backend (not restarted) serves the new one, and
# the zone plays bit-exact again within RECOVER_MAX seconds
z=rear
backend=$(prop "vhost-user-sound@$z.service" MainPID)
old=$(prop "virtio-loopback-adapter@$z.service" MainPID)
adapter_restarts0=$(prop "virtio-loopback-adapter@$z.service" NRestarts)
"$TOOLS/wavgen" "${fmt[@]}" -d 6 --seed 60 "$WORK/$z-long.wav"
aplay -q "${alsa_opts[@]}" -D "hw:CARD=$z,DEV=0" "$WORK/$z-long.wav" 2>"$WORK/$z-long.log" & pl=$!
sleep 1.5
kill -0 "$pl" 2>/dev/null || fail "aplay on $z ended before its adapter was killed: $(cat "$WORK/$z-long.log")"
t0=$(mono_s)
kill -KILL "$old"
timeout "$RECOVER_MAX" tail --pid="$pl" -f /dev/null ||
	fail "aplay on $z still running ${RECOVER_MAX}s after its adapter was killed"
st=0
wait "$pl" || st=$?
[ "$st" != 0 ] || fail "aplay on $z exited 0 although its card went away in mid-stream"
wait_zone_back "$z" "virtio-loopback-adapter@$z.service" "$old" "$t0" adapter
back=$(echo "$(mono_s) - $t0" | bc)
play_exact "$z"
[ -z "$MISSING" ] || fail "zone $z not bit-exact after its adapter's restart"
played=$(echo "$(mono_s) - $t0" | bc)
[ "$(echo "$played <= $RECOVER_MAX" | bc)" = 1 ] ||
	fail "zone $z played again only ${played}s after its adapter was killed (bound ${RECOVER_MAX}s)"
[ "$(prop "virtio-loopback-adapter@$z.service" NRestarts)" = $((adapter_restarts0 + 1)) ] ||
	fail "virtio-loopback-adapter@$z restarted $(prop "virtio-loopback-adapter@$z.service" NRestarts) times ($adapter_restarts0 before the kill)"
[ "$(prop "vhost-user-sound@$z.service" MainPID)" = "$backend" ] ||
	fail "the backend of $z was restarted instead of serving the new adapter"
say "adapter of $z killed in mid-stream (pid $old): aplay failed (status $st), restarted as" \
	"pid $new, card $z back after ${back}s, playing bit-exact again ${played}s after the" \
	"kill; backend pid $backend kept"

# The other zones did not notice.
for o in rear chimes; do
	[ "$(prop "vhost-user-sound@$o.service" NRestarts)" = "${restarts0[$o]}" ] ||
		fail "zone $o restarted too"
done
play_exact "${ZONES[@]}"
[ -z "$MISSING" ] || fail "playing all zones at once, not bit-exact:$MISSING"
say "all zones played at once: bit-exact on their own loopback substreams, no cross-talk" \
	"($RETRIES replay(s) after underruns or dropouts in all)"

failed=$(systemctl --failed --plain --no-legend --no-pager)
[ -z "$failed" ] || fail "failed units: $failed"
say "systemctl --failed is empty"
bad=$(dmesg | grep -E 'Oops|WARNING:|BUG:|Call Trace|general protection|list_del corruption' || true)
[ -z "$bad" ] || fail "kernel log: $bad"
say "kernel log clean (no oops, WARN, BUG, call trace)"
say "PASS"
