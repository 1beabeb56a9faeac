#!/bin/bash
# In the guest: snd-aloop gets a user-defined "Headphone Jack" control
# (iface CARD, BOOLEAN: what a driver with jack detection has), then a
# backend bound to hw:Loopback,0,0 starts: it must advertise one jack, and
# the virtio card's "Headphone Jack" control (created by virtio_snd from
# JACK_INFO) must follow the host control: connected at start, then
# disconnected, connected, each within 10 s. A second backend on a wav: end
# advertises no jacks. The backend also runs with NOTIFY_SOCKET set: READY=1,
# the STATUS= lines (listening, frontend connected, a stream running) and
# STOPPING=1 are checked (the adapter, which inherits NOTIFY_SOCKET here,
# sends its own lines: the checks match the backend's).
. "$(dirname "$0")/snd-lib.sh"
JACKCTL=$REPO/build/tests/e2e/snd-jack-ctl
[ -x "$JACKCTL" ] || fail "$JACKCTL missing: make snd-guest-progs"

load_module
modprobe snd-aloop || fail "modprobe snd-aloop"
"$JACKCTL" add hw:Loopback 'Headphone Jack' 1 || fail "adding the host jack control"

# sd_notify: a datagram socket that logs what the backend sends.
python3 - "$WORK/notify.sock" >"$WORK/notify.txt" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode().replace("\n", " | "), flush=True)
PY
NOTIFY_PID=$!
for _ in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$WORK/notify.sock start_card jack "playback:hw:Loopback,0,0"
C=$CARD
grep -q 'Headphone Jack.*is jack 0' "$WORK/jack.log" || fail "the backend found no host jack"

# jack_state: on/off of the virtio card's Headphone Jack control
jack_state() {
	amixer -c "$C" cget iface=CARD,name='Headphone Jack' 2>/dev/null |
		sed -n 's/^ *: values=\(on\|off\).*/\1/p'
}
# expect STATE: the virtio card's jack reaches STATE within 10 s
expect() {
	local t0 now
	t0=$(date +%s%N)
	for _ in $(seq 100); do
		if [ "$(jack_state)" = "$1" ]; then
			now=$(date +%s%N)
			say "guest jack $1 after $(((now - t0) / 1000000)) ms"
			return 0
		fi
		sleep 0.1
	done
	amixer -c "$C" contents >&2 || true
	fail "the guest's Headphone Jack did not become $1 within 10 s (is '$(jack_state)')"
}

amixer -c "$C" controls >"$WORK/controls.log" 2>&1 || true
grep -q "iface=CARD,name='Headphone Jack'" "$WORK/controls.log" ||
	fail "card $C has no Headphone Jack control: $(cat "$WORK/controls.log")"
expect on
"$JACKCTL" set hw:Loopback 'Headphone Jack' 0 || fail "unplugging"
expect off
"$JACKCTL" set hw:Loopback 'Headphone Jack' 1 || fail "plugging"
expect on
"$JACKCTL" set hw:Loopback 'Headphone Jack' 0 || fail "unplugging"
expect off

# While a stream plays, the status says so (refreshed every second).
"$TOOLS/wavgen" -f S16_LE -r 48000 -c 2 -d 3 "$WORK/noise.wav"
timeout 60 aplay -q -D "hw:$C,0" "$WORK/noise.wav" 2>"$WORK/aplay.log" &
APLAY=$!
for _ in $(seq 50); do grep -q 'STATUS=frontend connected, 1 of 1 stream(s) running' \
	"$WORK/notify.txt" && break; sleep 0.1; done
wait "$APLAY" || fail "aplay on card $C failed"
grep -q 'STATUS=frontend connected, 1 of 1 stream(s) running' "$WORK/notify.txt" ||
	fail "no 'stream running' status while playing"

# A card without jack controls (wav: end): no jack at all.
start_card nojack "playback:wav:$WORK/out.wav"
grep -q "Jack" <<<"$(amixer -c "$CARD" controls 2>/dev/null)" && fail "the wav: card advertises a jack"
say "the wav: card has no jack"

grep -q 'READY=1 | STATUS=listening on' "$WORK/notify.txt" ||
	fail "no READY=1 with the listening status (got: $(cat "$WORK/notify.txt"))"
grep -q 'STATUS=listening on' "$WORK/notify.txt" || fail "no 'listening' status"
for _ in $(seq 30); do grep -q 'STATUS=frontend connected' "$WORK/notify.txt" && break; sleep 0.1; done
grep -q 'STATUS=frontend connected' "$WORK/notify.txt" || fail "no 'frontend connected' status"
stop_all || fail "a process did not stop on SIGTERM"
for _ in $(seq 30); do grep -q 'STOPPING=1 | STATUS=stopping' "$WORK/notify.txt" && break; sleep 0.1; done
grep -q 'STOPPING=1 | STATUS=stopping' "$WORK/notify.txt" || fail "no STOPPING=1 from the backend"
sed "s/^/  notify: /" "$WORK/notify.txt"
kill "$NOTIFY_PID" 2>/dev/null || true
check_dmesg
unload_module
dump_logs
say "PASS"
