# Sourced by guest scripts: a capture that is surely running before playback
# starts and that ends only after the playback has finished, whatever the
# load on the emulated CPU.
#
#   capture_start CARD DEVICE SUBDEVICE FILE [arecord options...]
#   ... play ...
#   capture_stop

capture_pid=

capture_start() {
	local card=$1 dev=$2 sub=$3 file=$4 status i
	shift 4
	status=/proc/asound/$card/pcm${dev}c/sub$sub/status
	# -d bounds a capture whose stop never comes.
	arecord -q -D "hw:$card,$dev,$sub" -d 60 "$@" "$file" &
	capture_pid=$!
	for i in $(seq 1 200); do
		grep -q 'state: RUNNING' "$status" 2>/dev/null && return 0
		kill -0 "$capture_pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "capture on hw:$card,$dev,$sub did not start" >&2
	return 1
}

# SIGINT makes arecord finish its WAV header and exit.
capture_stop() {
	sleep 0.3
	kill -INT "$capture_pid" 2>/dev/null
	wait "$capture_pid" || true
	capture_pid=
}
