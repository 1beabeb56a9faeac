#!/bin/bash
# In the guest: the block benchmark. One 256 MiB backing file in a tmpfs,
# measured with fio (libaio, O_DIRECT, time-based) four ways:
#   a  virtio-loopback: qemu-storage-daemon vhost-user-blk export attached by
#      virtio-loopback-adapter --no-zero-copy (every buffer bounced) ->
#      virtio_blk /dev/vdX
#   z  as a, with `virtio-loopback-adapter --zero-copy`, the adapter's
#      default for blk (whole-page buffers the device reads are the
#      driver's own pages in the window; buffers it fills are still bounced)
#   b  VDUSE: qemu-storage-daemon vduse-blk export, `vdpa dev add` ->
#      virtio_vdpa -> virtio_blk /dev/vdY
#   c  the backing file itself (tmpfs accepts O_DIRECT since Linux 6.6)
# Workloads: sequential 128k read, sequential 128k write, random 4k read.
# Rounds are interleaved (every workload runs a, z, b, c in turn, the order
# rotated each round) and the table shows medians. For a, z and b it also
# counts qemu-storage-daemon's page faults and CPU time per device request
# (/proc/PID/stat against /sys/block/vdX/stat), which is where the two
# transports differ.
#
# Usage: blk-bench.sh [--rounds N] [--runtime S] [--ramp S] [--iodepth N]
#                     [--out DIR]
# Writes DIR/table.md (the table), DIR/rounds.txt (every value) and
# DIR/raw/*.json (fio's own output). Exit status 1 if any configuration could
# not be set up or any fio run failed; the table is printed anyway.
# Set-up follows tests/e2e/guest/blk-qsd-lib.sh (kept separate: a benchmark
# must carry on when one configuration fails, the test library stops).
set -uo pipefail
export LC_ALL=C

REPO=${VLO_REPO:-$(cd "$(dirname "$0")/../../.." && pwd -P)}
KO=${VLO_KO:-$REPO/build/driver-$(uname -r)/virtio_loopback.ko}
ADAPTER=$REPO/build/adapter/virtio-loopback-adapter
ROUNDS=5 RUNTIME=5 RAMP=1 IODEPTH=16 OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) ROUNDS=$2; shift ;;
	--runtime) RUNTIME=$2; shift ;;
	--ramp) RAMP=$2; shift ;;
	--iodepth) IODEPTH=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) echo "blk-bench.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
for v in "$ROUNDS" "$RUNTIME" "$RAMP" "$IODEPTH"; do
	case "$v" in '' | *[!0-9]*) echo "blk-bench.sh: not a number: '$v'" >&2; exit 2 ;; esac
done

me=blk-bench
say() { echo "$me: $*"; }
warn() { echo "$me: ERROR: $*" >&2; }

WORK=/run/blk-bench
mkdir -p "$WORK"
mount -t tmpfs -o size=320m,mode=0700 tmpfs "$WORK" || { warn "cannot mount a tmpfs on $WORK"; exit 1; }
IMG=$WORK/disk.img
SIZE_MB=256
RES=${OUT:-$WORK/out}
mkdir -p "$RES/raw"
rm -f "$RES"/raw/*.json "$RES"/*.vals "$RES"/*.byround "$RES"/*.faults "$RES"/*.cpu "$RES/table.md" "$RES/rounds.txt"

# Per configuration (a, z, b): qemu-storage-daemon's pid, the adapter's pid
# (a, z) and the disk; c's disk is the file.
declare -A QSD_PID=() ADAPTER_PID=() DISK=([c]=$IMG)
VDPA_NAME=vlo-bench-vduse
FAILED=

cleanup() {
	[ -n "$VDPA_NAME" ] && vdpa dev del "$VDPA_NAME" 2>/dev/null
	for p in "${ADAPTER_PID[@]}" "${QSD_PID[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${ADAPTER_PID[@]}" "${QSD_PID[@]}"; do
		timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null
	done
	true
}
trap cleanup EXIT

# shellcheck disable=SC2010 # vdX names only
vd_list() { ls /sys/block 2>/dev/null | grep '^vd' || true; }

# Wait up to 20 s for a /sys/block/vdX not in $1; prints /dev/vdX.
wait_new_vd() {
	local d
	for _ in $(seq 200); do
		for d in $(vd_list); do
			grep -qx "$d" <<<"$1" && continue
			for _ in $(seq 50); do [ -b "/dev/$d" ] && { echo "/dev/$d"; return 0; }; sleep 0.1; done
			return 1
		done
		sleep 0.1
	done
	return 1
}

check_size() { # DEV
	local s
	s=$(blockdev --getsize64 "$1") || return 1
	[ "$s" = $((SIZE_MB << 20)) ] || { warn "$1 has $s bytes, want $((SIZE_MB << 20))"; return 1; }
}

# The same blockdev options for both exports: the file through the host page
# cache (tmpfs), no O_DIRECT (the loopback memory fd is VM_PFNMAP, see
# driver/README.md "Limits"), no image locking (two daemons, one file; they
# never run I/O at the same time).
qsd_blockdev="file,node-name=file0,filename=$IMG,locking=off"

# virtio-loopback: CFG a (bounced) or z (--zero-copy); sets QSD_PID,
# ADAPTER_PID and DISK of CFG.
setup_lo() { # CFG [ADAPTER OPTION]
	local cfg=$1 before sock=$WORK/vhost-user-blk-$1.sock
	[ -r "$KO" ] || { warn "$KO missing: make all"; return 1; }
	[ -x "$ADAPTER" ] || { warn "$ADAPTER missing: make all"; return 1; }
	modprobe virtio_ring 2>/dev/null
	grep -q '^virtio_loopback ' /proc/modules || insmod "$KO" || { warn "insmod $KO"; return 1; }
	for _ in $(seq 50); do [ -c /dev/virtio-loopback ] && break; sleep 0.1; done
	[ -c /dev/virtio-loopback ] || { warn "/dev/virtio-loopback did not appear"; return 1; }
	qemu-storage-daemon --blockdev "${qsd_blockdev/node-name=file0/node-name=file-$cfg}" \
		--export "type=vhost-user-blk,id=exp-$cfg,node-name=file-$cfg,writable=on,num-queues=1,addr.type=unix,addr.path=$sock" \
		>"$WORK/qsd-$cfg.log" 2>&1 &
	QSD_PID[$cfg]=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || { warn "qemu-storage-daemon (vhost-user-blk, $cfg) made no socket"; cat "$WORK/qsd-$cfg.log" >&2; return 1; }
	before=$(vd_list)
	"$ADAPTER" --device blk --socket-path "$sock" --queue-size 256 ${2:+"$2"} >"$WORK/adapter-$cfg.log" 2>&1 &
	ADAPTER_PID[$cfg]=$!
	DISK[$cfg]=$(wait_new_vd "$before") ||
		{ warn "no /dev/vdX from the adapter ($cfg)"; cat "$WORK/adapter-$cfg.log" >&2; return 1; }
	check_size "${DISK[$cfg]}"
}

setup_b() {
	local before
	modprobe vduse && modprobe virtio_vdpa || { warn "modprobe vduse virtio_vdpa"; return 1; }
	command -v vdpa >/dev/null || { warn "vdpa (iproute2) missing"; return 1; }
	qemu-storage-daemon --blockdev "$qsd_blockdev" \
		--export "type=vduse-blk,id=exp-b,node-name=file0,name=$VDPA_NAME,writable=on,num-queues=1,queue-size=256" \
		>"$WORK/qsd-b.log" 2>&1 &
	QSD_PID[b]=$!
	for _ in $(seq 100); do [ -e "/dev/vduse/$VDPA_NAME" ] && break; sleep 0.1; done
	[ -e "/dev/vduse/$VDPA_NAME" ] || { warn "qemu-storage-daemon (vduse-blk) made no /dev/vduse/$VDPA_NAME"; cat "$WORK/qsd-b.log" >&2; return 1; }
	before=$(vd_list)
	timeout 20 vdpa dev add name "$VDPA_NAME" mgmtdev vduse || { warn "vdpa dev add"; return 1; }
	DISK[b]=$(wait_new_vd "$before") || { warn "no /dev/vdX from VDUSE"; unset 'DISK[b]'; return 1; }
	check_size "${DISK[b]}"
}

# --- workloads: name, fio arguments, the JSON section, the value, the unit
WLS="seqread seqwrite randread"
wl_args() {
	case "$1" in
	seqread) echo "--rw=read --bs=128k" ;;
	seqwrite) echo "--rw=write --bs=128k" ;;
	randread) echo "--rw=randread --bs=4k --norandommap --randrepeat=0" ;;
	esac
}
wl_dir() { case "$1" in seqwrite) echo write ;; *) echo read ;; esac; }

# First job's "bw" (KiB/s) or "iops" in its read or write section, and
# fail unless the job's "error" is 0. fio's JSON puts one key per line.
fio_value() { # FILE read|write bw|iops
	awk -v sec="$2" -v key="$3" '
		$1 == "\"error\"" && !seen_err { seen_err = 1; err = $3 + 0 }
		$1 == "\"" sec "\"" && $3 == "{" && !in_sec && !done { in_sec = 1; next }
		in_sec && $1 == "\"" key "\"" { v = $3; sub(/,$/, "", v); done = 1; in_sec = 0 }
		END { if (!seen_err || err != 0 || !done) exit 1; print v }
	' "$1"
}

dev_of() { echo "${DISK[$1]:-}"; }
qsd_of() { echo "${QSD_PID[$1]:-}"; }

# The cost in the backend: qemu-storage-daemon's page faults (minor+major)
# and CPU ticks (user+system, all threads), and the disk's completed
# requests (reads+writes), as "faults ticks requests".
snap() { # CFG
	local pid dev st
	pid=$(qsd_of "$1") dev=$(dev_of "$1")
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo "0 0 0"; return; }
	# Field 2 (comm) has no spaces here ("(qemu-storage-d)").
	read -r -a st <"/proc/$pid/stat"
	awk -v f=$((st[9] + st[11])) -v t=$((st[13] + st[14])) \
		'{ print f, t, $1 + $5 }' "/sys/block/$(basename "$dev")/stat"
}

run_one() { # CFG WL ROUND
	local cfg=$1 wl=$2 r=$3 dev json v s0 s1
	dev=$(dev_of "$cfg")
	json=$RES/raw/$cfg-$wl-$r.json
	[ "$cfg" = c ] || s0=$(snap "$cfg")
	# shellcheck disable=SC2046
	if ! timeout -k 5 $((RUNTIME + RAMP + 60)) fio --name="$cfg-$wl" --filename="$dev" \
		--ioengine=libaio --direct=1 --iodepth="$IODEPTH" --numjobs=1 --size=${SIZE_MB}M \
		--time_based --runtime="$RUNTIME" --ramp_time="$RAMP" $(wl_args "$wl") \
		--output-format=json --output="$json" --eta=never; then
		warn "fio $cfg $wl round $r failed"; FAILED="$FAILED $cfg"; return 1
	fi
	case "$wl" in randread) v=$(fio_value "$json" read iops) ;; *) v=$(fio_value "$json" "$(wl_dir "$wl")" bw) ;; esac ||
		{ warn "fio $cfg $wl round $r: error in $json"; FAILED="$FAILED $cfg"; return 1; }
	echo "$v" >>"$RES/$cfg-$wl.vals"
	echo "$r $v" >>"$RES/$cfg-$wl.byround"
	printf '%s %s round %s: %s' "$cfg" "$wl" "$r" "$v" >>"$RES/rounds.txt"
	if [ "$cfg" != c ]; then
		s1=$(snap "$cfg")
		# per device request: faults, CPU microseconds (USER_HZ ticks)
		echo "$s0 $s1" | awk -v hz="$(getconf CLK_TCK)" -v fo="$RES/$cfg-$wl.faults" -v co="$RES/$cfg-$wl.cpu" '{
			n = $6 - $3; if (n <= 0) exit
			f = ($4 - $1) / n; c = ($5 - $2) * 1e6 / hz / n
			print f >> fo; print c >> co
			printf "  (qsd per request: %.2f faults, %.0f us CPU, %d requests)", f, c, n }' >>"$RES/rounds.txt"
	fi
	echo >>"$RES/rounds.txt"
}

# --- set-up
command -v fio >/dev/null || { warn "fio missing"; exit 1; }
command -v qemu-storage-daemon >/dev/null || { warn "qemu-storage-daemon missing"; exit 1; }
modprobe virtio_blk || { warn "modprobe virtio_blk"; exit 1; }
truncate -s ${SIZE_MB}M "$IMG"
say "prefill: $SIZE_MB MiB sequential write of $IMG"
fio --name=prefill --filename="$IMG" --rw=write --bs=1M --size=${SIZE_MB}M --direct=1 \
	--ioengine=libaio --iodepth=4 --output="$WORK/prefill.out" --eta=never ||
	{ warn "prefill"; cat "$WORK/prefill.out" >&2; exit 1; }

CFGS=
if setup_lo a --no-zero-copy; then CFGS="$CFGS a"; say "a: ${DISK[a]} (virtio-loopback + qemu-storage-daemon vhost-user-blk, bounced: adapter --no-zero-copy)"; else FAILED="$FAILED a"; fi
if setup_lo z --zero-copy; then CFGS="$CFGS z"; say "z: ${DISK[z]} (as a, adapter --zero-copy)"; else FAILED="$FAILED z"; fi
if setup_b; then CFGS="$CFGS b"; say "b: ${DISK[b]} (VDUSE + qemu-storage-daemon vduse-blk)"; else FAILED="$FAILED b"; fi
CFGS="$CFGS c"; say "c: $IMG (tmpfs file)"
say "fio: libaio, direct=1, iodepth=$IODEPTH, ${RUNTIME}s (+${RAMP}s ramp) per run, $ROUNDS rounds"

# --- the rounds: each workload runs every configuration in turn, the order
# rotated by one each round (a b c, b c a, c a b, ...).
# shellcheck disable=SC2086
set -- $CFGS
ncfg=$#
for r in $(seq 1 "$ROUNDS"); do
	for wl in $WLS; do
		order=
		for i in $(seq 0 $((ncfg - 1))); do
			j=$(((i + r - 1) % ncfg + 1))
			order="$order ${!j}"
		done
		for cfg in $order; do
			case " $FAILED " in *" $cfg "*) continue ;; esac
			run_one "$cfg" "$wl" "$r"
		done
	done
	say "round $r/$ROUNDS done (${SECONDS} s since the script started)"
done

# --- the table
median() { # FILE: median of the numbers in it (mean of the middle two if even)
	[ -s "$1" ] || { echo -; return; }
	sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.6f\n", m }'
}
spread() { # FILE: (max - min) / median, percent
	[ -s "$1" ] || { echo -; return; }
	sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; if (m > 0) printf "%.0f%%\n", 100 * (v[NR] - v[1]) / m; else print "-" }'
}
failed() { case " $FAILED " in *" $1 "*) return 0 ;; esac; return 1; }
fmt() { # VALUE SCALE DECIMALS CFG -> value/scale, or FAIL
	failed "$4" && { echo FAIL; return; }
	[ "$1" = - ] && { echo -; return; }
	awk -v v="$1" -v s="$2" -v d="$3" 'BEGIN { printf "%.*f\n", d, v / s }'
}
ratio() { # X Y
	case "$1$2" in *-*) echo -; return ;; esac
	awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0) printf "%.2f\n", x / y; else print "-" }'
}
# Median over the rounds of X's value / Y's value in the same round: robust to
# a host whose load changes between rounds.
rratio() { # FILE-X FILE-Y
	[ -s "$1" ] && [ -s "$2" ] || { echo -; return; }
	awk 'NR == FNR { x[$1] = $2; next } ($1 in x) && $2 > 0 { print x[$1] / $2 }' "$1" "$2" >"$WORK/rr"
	median "$WORK/rr" | awk '$1 == "-" { print; next } { printf "%.2f\n", $1 }'
}
ratios() { # MX MY X Y WL: "ratio of medians (median of per-round ratios)"
	failed "$3" || failed "$4" && { echo -; return; }
	echo "$(ratio "$1" "$2") ($(rratio "$RES/$3-$5.byround" "$RES/$4-$5.byround"))"
}
label() {
	case "$1" in
	seqread) echo "seq read 128k, MiB/s" ;;
	seqwrite) echo "seq write 128k, MiB/s" ;;
	randread) echo "rand read 4k, IOPS" ;;
	esac
}
{
	echo "| median of $ROUNDS | a: virtio-loopback | z: a with --zero-copy | b: VDUSE | c: file | a/b | a/c | z/a |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for wl in $WLS; do
		case "$wl" in randread) scale=1 dec=0 ;; *) scale=1024 dec=1 ;; esac
		ma=$(median "$RES/a-$wl.vals") mb=$(median "$RES/b-$wl.vals") mc=$(median "$RES/c-$wl.vals")
		mz=$(median "$RES/z-$wl.vals")
		failed a && ma=-
		failed z && mz=-
		failed b && mb=-
		failed c && mc=-
		printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(label "$wl")" \
			"$(fmt "$ma" $scale $dec a)" "$(fmt "$mz" $scale $dec z)" "$(fmt "$mb" $scale $dec b)" \
			"$(fmt "$mc" $scale $dec c)" "$(ratios "$ma" "$mb" a b "$wl")" \
			"$(ratios "$ma" "$mc" a c "$wl")" "$(ratios "$mz" "$ma" z a "$wl")"
	done
	echo
	echo "a/b, a/c, z/a: ratio of the medians (in parentheses: median of the per-round ratios)."
	echo "z maps the buffers of writes (device-readable) directly; reads are bounced as in a."
	echo
	echo "| qemu-storage-daemon per device request (median) | a: faults | a: CPU us | z: faults | z: CPU us | b: faults | b: CPU us |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for wl in $WLS; do
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${wl}" \
			"$(fmt "$(median "$RES/a-$wl.faults")" 1 1 a)" "$(fmt "$(median "$RES/a-$wl.cpu")" 1 0 a)" \
			"$(fmt "$(median "$RES/z-$wl.faults")" 1 1 z)" "$(fmt "$(median "$RES/z-$wl.cpu")" 1 0 z)" \
			"$(fmt "$(median "$RES/b-$wl.faults")" 1 1 b)" "$(fmt "$(median "$RES/b-$wl.cpu")" 1 0 b)"
	done
	echo
	echo "Spread of the $ROUNDS rounds, (max - min) / median:"
	for wl in $WLS; do
		printf '%s: a %s, z %s, b %s, c %s\n' "$wl" "$(spread "$RES/a-$wl.vals")" "$(spread "$RES/z-$wl.vals")" \
			"$(spread "$RES/b-$wl.vals")" "$(spread "$RES/c-$wl.vals")"
	done
} >"$RES/table.md"
echo
cat "$RES/table.md"

# --- tear-down, so that a kernel complaint on the way out is seen too
if [ -n "${DISK[b]:-}" ]; then
	timeout 20 vdpa dev del "$VDPA_NAME" || warn "vdpa dev del"
fi
VDPA_NAME=
cleanup
QSD_PID=() ADAPTER_PID=()
if grep -q '^virtio_loopback ' /proc/modules; then
	for _ in $(seq 50); do rmmod virtio_loopback 2>/dev/null && break; sleep 0.2; done
	grep -q "^virtio_loopback " /proc/modules && { warn "rmmod virtio_loopback failed"; FAILED="$FAILED a(unload)"; }
fi

FAILED=$(printf '%s\n' $FAILED | sort -u | tr '\n' ' ')
if [ -n "${FAILED// /}" ]; then
	warn "failed configurations: $FAILED"
	exit 1
fi
say "done"
