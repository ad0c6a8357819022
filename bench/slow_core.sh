#!/usr/bin/env bash
# Run a command as on a slower core: pinned to one CPU (taskset) and given a share of it by a
# CFS quota in a cgroup of its own (v1 "cpu" controller, as root; removed afterwards).
#   bench/slow_core.sh [PERCENT] -- COMMAND...     (default 30: about a Raspberry Pi 4 core
#                                                    against this machine's, issue 15)
# The period is 10 ms, so a burst of work is slowed evenly (a 10 ms job takes about 33 ms at
# 30%) rather than run at full speed then stopped for most of a 100 ms period. CPU-time figures
# do not change under a quota (CPU time is what the work costs); wall-clock figures stretch.
# What it cannot show: a Pi's slower memory and caches, and its SD card's flushes (fsync).
set -euo pipefail
percent=30
if [ "${1:-}" != "--" ]; then percent=$1; shift; fi
[ "${1:-}" = "--" ] && shift
root=/sys/fs/cgroup/cpu
[ -w "$root" ] || { echo "needs root and the cgroup v1 cpu controller at $root" >&2; exit 2; }
group="$root/kiosk-slow-$$"
mkdir "$group"
trap 'rmdir "$group" 2>/dev/null || true' EXIT
echo 10000 > "$group/cpu.cfs_period_us"
echo $((percent * 100)) > "$group/cpu.cfs_quota_us"
(echo "$BASHPID" > "$group/cgroup.procs"; exec taskset -c 0 "$@")
