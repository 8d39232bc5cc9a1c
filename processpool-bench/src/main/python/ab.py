#!/usr/bin/env python3
"""Interleaved A/B runs of whole commands, as the README's before/after figures were measured.

    python3 processpool-bench/src/main/python/ab.py REPS 'label::ENV=V|ENV2=V::exec cmd args' ...

Runs each variant once per round, REPS rounds, in the order given (so slow drifts of the machine hit every
variant alike). Per run: the wall time; the CPU of the process itself (utime + stime from /proc/PID/stat,
sampled every 5 ms until it exits, so the last few milliseconds are not seen); the CPU of its children (what
wait4 reports for the whole tree, minus the process's own); and its peak RSS (VmHWM). Prints every run on
stderr and the medians on stdout, with the load average. A command given as 'exec cmd args' is started
without a shell (the measured process is the command itself); anything else runs under /bin/sh. Environment
variables are separated by '|', so values cannot hold one.
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def sample(pid, tick):
    """(utime + stime in seconds, VmHWM in MiB) of pid, or None once it is gone."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            s = f.read()
        fields = s[s.rindex(')') + 2:].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick
        hwm = 0
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmHWM'):
                    hwm = int(line.split()[1]) // 1024
        return cpu, hwm
    except (OSError, ValueError, IndexError):
        return None


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    reps = int(argv[1])
    variants = []
    for spec in argv[2:]:
        label, envs, cmd = spec.split('::', 2)
        env = dict(os.environ)
        for kv in filter(None, envs.split('|')):
            k, v = kv.split('=', 1)
            env[k] = v
        variants.append((label, env, cmd))
    tick = os.sysconf('SC_CLK_TCK')
    results = {label: [] for label, _, _ in variants}
    for r in range(reps):
        for label, env, cmd in variants:
            t0 = time.perf_counter()
            if cmd.startswith('exec '):
                p = subprocess.Popen(shlex.split(cmd[5:]), env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            else:
                p = subprocess.Popen(cmd, shell=True, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            own, hwm = 0.0, 0
            while True:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                s = sample(p.pid, tick)
                if s:
                    own, hwm = s[0], max(hwm, s[1])
                time.sleep(0.005)
            wall = time.perf_counter() - t0
            children = usage.ru_utime + usage.ru_stime - own
            rc = os.waitstatus_to_exitcode(status)
            results[label].append((wall, own, children, hwm))
            print(f'{r} {label}: wall {wall:.3f} s, own CPU {own:.2f} s, children {children:.2f} s, '
                  f'peak RSS {hwm} MiB, exit {rc}', file=sys.stderr)
    with open('/proc/loadavg') as f:
        print('load average', f.read().strip())
    for label, rows in results.items():
        med = [statistics.median(x[i] for x in rows) for i in range(4)]
        print(f'{label:24s} wall {med[0]:.3f} s  own CPU {med[1]:.3f} s  children {med[2]:.3f} s  '
              f'peak RSS {med[3]:.0f} MiB  ({len(rows)} runs)')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
