# shellcheck shell=bash
# Sourced by guest scripts (snd-lib.sh, policy-zones.sh, appliance-boot.sh):
# the scheduling of one thread, as the kernel shows it in /proc, and of a
# whole zone's process.
#
# task_sched DIR: the thread DIR (/proc/PID/task/TID) into TASK_POLICY
# (0 other, 1 fifo, 2 rr: stat field 41), TASK_PRIO (rt_priority, field 40),
# TASK_NICE (field 19) and TASK_CPUS (Cpus_allowed_list of its status);
# status 1 if the thread has ended. Bash builtins only: one pass over all
# threads of a process takes milliseconds, for the checks that poll.
# shellcheck disable=SC2034 # the TASK_ variables are read by the sourcing script
task_sched() {
	local st k v f
	read -r st 2>/dev/null <"$1/stat" || return 1
	read -ra f <<<"${st##*) }"	# stat fields from 3 on: field N is f[N-3]
	TASK_NICE=${f[16]} TASK_PRIO=${f[37]} TASK_POLICY=${f[38]} TASK_CPUS=
	while IFS=$'\t' read -r k v; do
		[ "$k" = Cpus_allowed_list: ] && { TASK_CPUS=$v; break; }
	done 2>/dev/null <"$1/status"
	return 0
}

# zone_ok PID CPUS POLICY(0 other, 1 fifo, 2 rr) PRIO NICE: every thread of
# PID has them (nice only for policy 0); else prints the first thread that
# has not, or that PID has no threads left, and returns 1.
zone_ok() {
	local pid=$1 cpus=$2 pol=$3 prio=$4 nice=$5 t n=0
	for t in /proc/"$pid"/task/*; do
		task_sched "$t" || continue
		if [ "$TASK_CPUS" != "$cpus" ] || [ "$TASK_POLICY" != "$pol" ] ||
			[ "$TASK_PRIO" != "$prio" ] || { [ "$pol" = 0 ] && [ "$TASK_NICE" != "$nice" ]; }; then
			echo "thread ${t##*/}: cpus $TASK_CPUS policy $TASK_POLICY rt_priority $TASK_PRIO nice $TASK_NICE"
			return 1
		fi
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { echo "no threads (pid $pid gone)"; return 1; }
}
