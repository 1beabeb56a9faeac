#!/bin/bash
# In the guest booted by `tests/vm/run --systemd` (systemd, the D-Bus system
# bus): the zone policy daemon vlo-zoned and zonectl against real processes.
#  - zone driver: a vhost-user-sound backend found through a pid file;
#    zone rear: a vhost-user-sound backend run as a systemd service in
#    vlo-zone-rear.slice, found through its MainPID; zone chimes: a small
#    process that starts a new thread whenever it gets SIGUSR1;
#  - vlo-zoned runs as a Type=notify service with a watchdog; when it is
#    ready, every thread of every backend has its zone's CPUs, policy and
#    priority or nice (read from /proc/PID/task/*/status and stat);
#  - `zonectl set` changes are on every thread as soon as zonectl returns
#    (cpus, priority, nice; AllowedCPUs of the rear slice via systemd);
#  - a thread started later and a restarted backend (new pid) get the
#    zone's settings within RESCAN_MAX ms;
#  - a bad zones.conf on reload (zonectl reload, SIGHUP) is rejected with
#    its line number and the running configuration keeps applying;
#  - nobody (not root, not in group vlo) is denied Set by the bus policy and,
#    with the bus policy opened for the test, by the daemon itself; a member
#    of group vlo may Set; everyone may List;
#  - a daemon without CAP_SYS_NICE reports what blocks SCHED_FIFO.
set -euo pipefail
REPO=${VLO_REPO:-$(cd "$(dirname "$0")/../../.." && pwd -P)}
BACKEND=$REPO/build/sound-backend/vhost-user-sound
ZONED=$REPO/build/policy/vlo-zoned
ZONECTL=$REPO/build/policy/zonectl
RESCAN_MAX=${RESCAN_MAX:-1000}	# ms for a new thread or backend to be handled
WORK=$(mktemp -d /tmp/policy.XXXXXX)
me=$(basename "$0")
PIDS=()
. "$REPO/tests/e2e/guest/task-sched.sh"

say() { echo "$me: $*"; }
fail() {
	echo "$me: FAIL: $*" >&2
	"$ZONECTL" list >&2 || true
	journalctl -b --no-pager -n 40 -u zoned-test -u vus-rear >&2 || true
	exit 1
}
cleanup() {
	systemctl stop zoned-test zoned-test-nocap vus-rear 2>/dev/null || true
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	true
}
trap cleanup EXIT
# Milliseconds, without a fork (the checks below must be fast under TCG).
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

[ -x "$ZONED" ] && [ -x "$ZONECTL" ] && [ -x "$BACKEND" ] || fail "build first: make policy snd-backend"

# --- the bus policy, a group and its member, as make install would set up
# (the group first: dbus-daemon drops policies of groups it cannot resolve)
groupadd -f vlo
id tester >/dev/null 2>&1 || useradd -M -N -g users -G vlo tester
install -m 644 "$REPO/policy/org.vlo.Zones1.conf" /etc/dbus-1/system.d/
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig

# --- the backends
# RLIMIT_RTPRIO 0 and no capabilities (root's would need a daemon with
# CAP_SYS_NICE for any change): only a daemon with CAP_SYS_NICE may make it
# real-time.
(ulimit -r 0; exec setpriv --bounding-set=-all --inh-caps=-all "$BACKEND" --name driver --socket-path "$WORK/driver.sock" \
	--stream playback:null --stream capture:null >"$WORK/driver.log" 2>&1) &
PIDS+=($!)
echo $! >"$WORK/driver.pid"
systemd-run --quiet --unit=vus-rear --slice=vlo-zone-rear.slice -p Type=simple \
	"$BACKEND" --name rear --socket-path "$WORK/rear.sock" --stream playback:null
# chimes: starts one more thread on every SIGUSR1 (threads that sleep). The
# new thread is born with other settings than the zone's (CPU 0 only,
# SCHED_OTHER): the main thread takes those for the clone and then goes back,
# so the daemon has to find and fix the new thread itself.
export PIDFILE=$WORK/chimes.pid
python3 -c '
import os, signal, threading, time
def spawn(sig, frame):
	aff, pol, prm = os.sched_getaffinity(0), os.sched_getscheduler(0), os.sched_getparam(0)
	os.sched_setaffinity(0, {0})
	os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
	threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
	os.sched_setscheduler(0, pol, prm)
	os.sched_setaffinity(0, aff)
signal.signal(signal.SIGUSR1, spawn)
open(os.environ["PIDFILE"], "w").write("%d\n" % os.getpid())
while True:
	signal.pause()
' &
PIDS+=($!)
CHIMES_PID=$!
for _ in $(seq 100); do
	[ -s "$WORK/chimes.pid" ] && [ -S "$WORK/driver.sock" ] &&
		[ "$(systemctl show -P MainPID vus-rear)" != 0 ] && break
	sleep 0.1
done
[ -s "$WORK/chimes.pid" ] || fail "chimes helper did not start"
DRIVER_PID=$(cat "$WORK/driver.pid")
REAR_PID=$(systemctl show -P MainPID vus-rear)
[ "$REAR_PID" != 0 ] || fail "vus-rear did not start"
say "backends: driver $DRIVER_PID ($(ls /proc/$DRIVER_PID/task | wc -l) threads)," \
	"rear $REAR_PID ($(ls /proc/$REAR_PID/task | wc -l) threads), chimes $CHIMES_PID"

write_conf() {	# $1: driver's sched.priority line
	cat >"$WORK/zones.conf" <<EOF
# written by $me
zones = [
    { name = driver backend.pid-file = "$WORK/driver.pid" cpus = "0"
      $1
      sched.policy = fifo roles = [ Navigation ] }
    { name = rear backend.unit = "vus-rear.service" slice = "vlo-zone-rear.slice"
      cpus = "1" sched.policy = other sched.nice = 5 roles = [ Music ] }
    { name = chimes backend.pid-file = "$WORK/chimes.pid" cpus = "0-1"
      sched.policy = rr sched.priority = 30 roles = [ Notification ] }
]
group = "vlo"
EOF
}
write_conf "sched.priority = 60"

# zone_ok: task-sched.sh
# expect NAME PID CPUS POLICY PRIO NICE: at once, no waiting.
expect() {
	local why
	why=$(zone_ok "$2" "$3" "$4" "$5" "$6") || fail "$1: $why (want cpus $3 policy $4 prio $5 nice $6)"
}
# A pause without a fork: a read that times out on a fifo nobody writes.
mkfifo "$WORK/never"
exec {NAP_FD}<>"$WORK/never"
nap() { read -rt 0.005 -u "$NAP_FD" || true; }
# new_chimes_thread: SIGUSR1 to chimes, returns when the thread exists.
new_chimes_thread() {
	local n t0
	n=$(ls /proc/$CHIMES_PID/task | wc -l)
	kill -USR1 "$CHIMES_PID"
	t0=$(now_ms)
	while [ "$(ls /proc/$CHIMES_PID/task | wc -l)" -le "$n" ]; do
		[ $(($(now_ms) - t0)) -lt 5000 ] || fail "chimes started no thread"
		nap
	done
}
# within MS NAME PID CPUS POLICY PRIO NICE: polls; sets WAITED (ms).
within() {
	local ms=$1 t0 why
	shift
	t0=$(now_ms)
	while ! why=$(zone_ok "$2" "$3" "$4" "$5" "$6"); do
		[ $(($(now_ms) - t0)) -lt "$ms" ] || fail "$1 after ${ms} ms: $why"
		nap
	done
	WAITED=$(($(now_ms) - t0))
}
# zc EXPECTED_STATUS ARGS...: zonectl with its status checked; output in $OUT.
zc() {
	local want=$1 st=0
	shift
	OUT=$("$ZONECTL" "$@" 2>&1) || st=$?
	[ "$st" = "$want" ] || fail "zonectl $*: status $st, not $want: $OUT"
}

# --- start: Type=notify, so systemd-run returns after READY=1 (first apply)
systemd-run --quiet --unit=zoned-test -p Type=notify -p WatchdogSec=5 \
	"$ZONED" --config "$WORK/zones.conf"
[ "$(systemctl is-active zoned-test)" = active ] || fail "vlo-zoned is not active"
say "vlo-zoned ready: $(systemctl show -P StatusText zoned-test)"
expect "driver at start" "$DRIVER_PID" 0 1 60 0
expect "rear at start" "$REAR_PID" 1 0 0 5
expect "chimes at start" "$CHIMES_PID" 0-1 2 30 0
zc 0 list
echo "$OUT"
grep -q "^driver .* 3/3 .*fifo/60 .*applied .*Navigation" <<<"$OUT" || fail "list: driver row"

# --- run-time changes are on every thread when zonectl returns
t0=$(now_ms)
zc 0 set driver cpus 1
t1=$(now_ms)
expect "driver after set cpus 1" "$DRIVER_PID" 1 1 60 0
zc 0 set driver priority 70
t2=$(now_ms)
expect "driver after set priority 70" "$DRIVER_PID" 1 1 70 0
say "set cpus: zonectl returned in $((t1 - t0)) ms, set priority in $((t2 - t1)) ms;" \
	"every thread was at the new settings when it returned"
# The daemon's own time from receiving Set to every thread confirmed (zonectl's
# start-up under TCG is most of the numbers above): within 100 ms.
for what in "driver: cpus = 1" "driver: priority = 70"; do
	ms=$(journalctl -b --no-pager -o cat -u zoned-test |
		sed -n "s/.*zone $what, applied to 3 of 3 thread(s) in \([0-9.]*\) ms.*/\1/p")
	[ -n "$ms" ] || fail "no log line for $what"
	[ "${ms%.*}" -lt 100 ] || fail "$what took $ms ms in the daemon"
	say "$what: applied and confirmed on 3 threads in $ms ms (daemon's clock)"
done
zc 0 set rear nice 7
expect "rear after set nice 7" "$REAR_PID" 1 0 0 7
zc 0 set rear cpus 0
expect "rear after set cpus 0" "$REAR_PID" 0 0 0 7
for _ in $(seq 50); do
	[ "$(systemctl show -P AllowedCPUs vlo-zone-rear.slice)" = 0 ] && break
	sleep 0.1
done
[ "$(systemctl show -P AllowedCPUs vlo-zone-rear.slice)" = 0 ] ||
	fail "vlo-zone-rear.slice AllowedCPUs is '$(systemctl show -P AllowedCPUs vlo-zone-rear.slice)', not 0"
say "vlo-zone-rear.slice: AllowedCPUs=0 set through systemd"

# Bad arguments: clear errors and exit codes, nothing changed.
zc 5 set front cpus 0
zc 6 set driver cpus 7
grep -q "CPU 7 is not online" <<<"$OUT" || fail "set cpus 7: $OUT"
zc 6 set driver priority 100
zc 6 set driver colour red
zc 2 set driver cpus
expect "driver after bad sets" "$DRIVER_PID" 1 1 70 0

# Route: the role moves, shown by list.
zc 0 route Music driver
zc 0 list
grep -q "^driver .*Navigation,Music" <<<"$OUT" || fail "route: $OUT"

# --- a thread started later, a restarted backend
new_chimes_thread
within "$RESCAN_MAX" "new chimes thread" "$CHIMES_PID" 0-1 2 30 0
say "a thread started later had the zone's settings after $WAITED ms"
systemctl restart vus-rear
NEW_REAR=$(systemctl show -P MainPID vus-rear)
[ "$NEW_REAR" != 0 ] && [ "$NEW_REAR" != "$REAR_PID" ] || fail "vus-rear: no new pid"
within "$RESCAN_MAX" "restarted rear" "$NEW_REAR" 0 0 0 7
say "restarted rear backend (pid $NEW_REAR) had the zone's settings after $WAITED ms"

# --- a bad zones.conf is rejected with its line; the running config stays
write_conf "sched.priority = 120"
zc 6 reload
grep -q "zones.conf:4: sched.priority: 120 is not in 1..99" <<<"$OUT" || fail "reload: $OUT"
say "bad reload rejected: $OUT"
# The reload above logged the error once; SIGHUP must log it a second time.
bad_reloads() { grep -c "zones.conf:4: sched.priority: 120" <<<"$(journalctl -b --no-pager -u zoned-test -p err)" || true; }
systemctl kill -s HUP zoned-test
t0=$(now_ms)
until [ "$(bad_reloads)" -ge 2 ]; do
	[ $(($(now_ms) - t0)) -lt 5000 ] ||
		fail "SIGHUP with a bad file: no second error in the journal at priority err after 5 s"
	sleep 0.1
done
[ "$(systemctl is-active zoned-test)" = active ] || fail "vlo-zoned died on a bad reload"
new_chimes_thread
within "$RESCAN_MAX" "new chimes thread after bad reload" "$CHIMES_PID" 0-1 2 30 0
expect "driver after bad reload (run-time settings kept)" "$DRIVER_PID" 1 1 70 0
write_conf "sched.priority = 50"
zc 0 reload
expect "driver after good reload" "$DRIVER_PID" 0 1 50 0
within "$RESCAN_MAX" "rear after good reload" "$NEW_REAR" 1 0 0 5

# --- who may change things
run_as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }
st=0; OUT=$(run_as nobody "$ZONECTL" set driver cpus 1 2>&1) || st=$?
[ "$st" = 4 ] || fail "nobody's set: status $st: $OUT"
st=0; OUT=$(run_as nobody "$ZONECTL" route Navigation rear 2>&1) || st=$?
[ "$st" = 4 ] || fail "nobody's route: status $st: $OUT"
st=0; run_as nobody "$ZONECTL" list >/dev/null 2>&1 || st=$?
[ "$st" = 0 ] || fail "nobody's list: status $st"
st=0; OUT=$(run_as tester "$ZONECTL" set driver cpus 0-1 2>&1) || st=$?
[ "$st" = 0 ] || fail "tester (group vlo) set: status $st: $OUT"
expect "driver after tester's set" "$DRIVER_PID" 0-1 1 50 0
# The daemon's own check, with the bus policy opened to everyone.
cat >/etc/dbus-1/system.d/zz-policy-test-open.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "https://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><policy user="nobody"><allow send_destination="org.vlo.Zones1"/></policy></busconfig>
EOF
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
st=0; OUT=$(run_as nobody "$ZONECTL" set driver cpus 1 2>&1) || st=$?
[ "$st" = 4 ] && grep -q "Set needs root or group vlo" <<<"$OUT" ||
	fail "nobody past the bus policy: status $st: $OUT"
st=0; OUT=$(run_as nobody "$ZONECTL" reload 2>&1) || st=$?
[ "$st" = 4 ] || fail "nobody's reload: status $st: $OUT"
st=0; OUT=$(run_as nobody "$ZONECTL" route Navigation rear 2>&1) || st=$?
[ "$st" = 4 ] && grep -q "Route needs root or group vlo" <<<"$OUT" ||
	fail "nobody's route past the bus policy: status $st: $OUT"
expect "driver after nobody's tries" "$DRIVER_PID" 0-1 1 50 0
OUT=$("$ZONECTL" list)
grep -q "^driver .*Navigation" <<<"$OUT" && ! grep -q "^rear .*Navigation" <<<"$OUT" ||
	fail "Navigation moved by nobody's route: $OUT"
rm /etc/dbus-1/system.d/zz-policy-test-open.conf
say "nobody denied set, route, reload (bus policy and daemon), group vlo allowed, list open"

# --- the watchdog (5 s) was fed all along; stop is clean
[ "$(systemctl is-active zoned-test)" = active ] || fail "vlo-zoned is not active at the end"
systemctl stop zoned-test
grep -q "stopping on signal 15" <<<"$(journalctl -b --no-pager -u zoned-test)" ||
	fail "vlo-zoned did not stop on SIGTERM"
st=0; OUT=$("$ZONECTL" list 2>&1) || st=$?
[ "$st" = 3 ] && grep -q "not running" <<<"$OUT" || fail "list without daemon: $st: $OUT"

# --- without CAP_SYS_NICE (and RLIMIT_RTPRIO 0), SCHED_FIFO is refused and
# the zone says why. The driver's threads go back to SCHED_OTHER first: a
# thread already at SCHED_FIFO 50 may be set to it again by anyone.
for t in /proc/"$DRIVER_PID"/task/*; do chrt -o -p 0 "${t##*/}"; done
systemd-run --quiet --unit=zoned-test-nocap -p Type=notify \
	-p CapabilityBoundingSet=~CAP_SYS_NICE -p LimitRTPRIO=0 \
	"$ZONED" --config "$WORK/zones.conf"
zc 0 list
echo "$OUT"
grep -q "^driver .* 0 .*fifo/50 .*error" <<<"$OUT" || fail "driver: not at error"
grep -q "^driver: real-time blocked: no CAP_SYS_NICE and RLIMIT_RTPRIO is 0 (< 50)" <<<"$OUT" ||
	fail "no RT blocker reported"
zc 7 set driver priority 40
grep -q "real-time blocked" <<<"$OUT" || fail "set without CAP_SYS_NICE: $OUT"
say "blocked SCHED_FIFO reported: $(grep '^driver:' <<<"$("$ZONECTL" list)")"
systemctl stop zoned-test-nocap
say "PASS"
