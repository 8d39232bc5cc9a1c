#!/usr/bin/env python3
"""The Python peers of processpool's bench: the same workloads for concurrent.futures.ProcessPoolExecutor
("ppe") and multiprocessing.Pool ("mp_pool"), standard library only.

Prints one JSON object on stdout; progress goes to stderr. Every metric is a list with one value per
repetition, so the caller can take the median, min and max. Run by dev.processpool.bench.Bench, or alone:

    python3 peers.py --only w1,w2 --reps 3
"""

import argparse
import concurrent.futures as cf
import itertools
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import threading
import time


# ---------------------------------------------------------------------------------------------- task functions
# Module level, so that both start methods can find them (spawn re-imports this file as __mp_main__).

def noop():
    return None


def inc(x):
    return x + 1


def echo(data):
    return data


def busy(iterations):
    x = 12345
    for _ in range(iterations):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
    return x


def sleep_for(seconds):
    time.sleep(seconds)
    return None


def my_pid():
    return os.getpid()


# ------------------------------------------------------------------------------------------------------ helpers

def progress(msg):
    print("peers: " + msg, file=sys.stderr, flush=True)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def ctx(method):
    return mp.get_context(method)


def make_ppe(workers, method=None):
    if method is None:
        return cf.ProcessPoolExecutor(max_workers=workers)
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx(method))


def make_mp(workers, method=None):
    if method is None:
        return mp.Pool(workers)
    return ctx(method).Pool(workers)


def close(impl, pool):
    if impl == "ppe":
        pool.shutdown(wait=True)
    else:
        pool.close()
        pool.join()


def default_method():
    return mp.get_start_method(allow_none=False)


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def worker_pids(impl, pool):
    if impl == "ppe":
        return list(pool._processes.keys())  # no public accessor; stable since 3.2
    return [p.pid for p in pool._pool]


def cpu_ns(pid):
    """Time on CPU of a process so far, from /proc/PID/schedstat (nanoseconds); 0 if unknown."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


class CpuMeter:
    """CPU of this process (all its threads) and of a pool's workers between start() and stop()."""

    def __init__(self, impl, pool):
        self.impl, self.pool = impl, pool
        self.parent_s = 0.0
        self.workers_s = 0.0

    def start(self):
        self.p0 = time.process_time()
        self.w0 = {pid: cpu_ns(pid) for pid in worker_pids(self.impl, self.pool)}

    def stop(self):
        self.parent_s += time.process_time() - self.p0
        for pid, t0 in self.w0.items():
            t1 = cpu_ns(pid)
            if t0 and t1:
                self.workers_s += (t1 - t0) / 1e9

    def per(self, n):
        return {"parent_cpu_us_per_task": [self.parent_s / n * 1e6], "workers_cpu_us_per_task": [self.workers_s / n * 1e6]}


def warm_up(a, impl, pool):
    """The same rule as the Java side: batches of no-op tasks for --warmup-seconds (at least one)."""
    end = time.perf_counter() + a.warmup_seconds
    while True:
        if impl == "ppe":
            cf.wait([pool.submit(noop) for _ in range(a.tp_warmup)])
        else:
            rs = [pool.apply_async(noop) for _ in range(a.tp_warmup)]
            for r in rs:
                r.get()
        if time.perf_counter() >= end:
            return


# ---------------------------------------------------------------------------------------------------- workloads

def w1_round_trip(a):
    out = {}
    for impl in ("ppe", "mp_pool"):
        progress("w1 round trip, %s" % impl)
        pool = make_ppe(a.workers) if impl == "ppe" else make_mp(a.workers)
        try:
            call = (lambda: pool.submit(noop).result()) if impl == "ppe" else (lambda: pool.apply(noop))
            warm_up(a, impl, pool)
            for _ in range(a.rt_warmup):
                call()
            medians, p99s, all_samples = [], [], []
            cpu = CpuMeter(impl, pool)
            for _ in range(a.reps):
                samples = []
                cpu.start()
                for _ in range(a.rt_tasks):
                    t0 = time.perf_counter()
                    call()
                    samples.append((time.perf_counter() - t0) * 1e6)
                cpu.stop()
                all_samples.extend(samples)
                samples.sort()
                medians.append(statistics.median(samples))
                p99s.append(percentile(samples, 99))
            out[impl] = {"median_us": medians, "p99_us": p99s, "samples_us": all_samples}
            out[impl].update(cpu.per(a.reps * a.rt_tasks))
        finally:
            close(impl, pool)
    return out


def w2_throughput(a):
    out = {}
    for impl in ("ppe", "mp_pool"):
        progress("w2 single-task throughput, %s" % impl)
        pool = make_ppe(a.workers) if impl == "ppe" else make_mp(a.workers)
        try:
            def run(n):
                t0 = time.perf_counter()
                if impl == "ppe":
                    futures = [pool.submit(noop) for _ in range(n)]
                    done, not_done = cf.wait(futures)
                    assert not not_done and all(f.exception() is None for f in done)
                else:
                    remaining = [n]
                    lock = threading.Lock()
                    finished = threading.Event()

                    def callback(_):
                        with lock:
                            remaining[0] -= 1
                            if remaining[0] == 0:
                                finished.set()

                    for _ in range(n):
                        pool.apply_async(noop, callback=callback)
                    if not finished.wait(600):
                        raise RuntimeError("mp.Pool throughput run did not finish")
                return n / (time.perf_counter() - t0)

            warm_up(a, impl, pool)
            cpu = CpuMeter(impl, pool)
            rates = []
            for _ in range(a.reps):
                cpu.start()
                rates.append(run(a.tp_tasks))
                cpu.stop()
            out[impl] = {"tasks_per_s": rates}
            out[impl].update(cpu.per(a.reps * a.tp_tasks))
        finally:
            close(impl, pool)
    return out


def w3_batched(a):
    n, chunk = a.map_n, a.chunk
    out = {"ppe": {}, "mp_pool": {}}
    progress("w3 batched, ppe.map")
    with make_ppe(a.workers) as ex:
        sum(1 for _ in ex.map(inc, range(1000), chunksize=100))
        rates = []
        for _ in range(a.reps):
            t0 = time.perf_counter()
            count = sum(1 for _ in ex.map(inc, range(n), chunksize=chunk))
            rates.append(count / (time.perf_counter() - t0))
        out["ppe"]["map_tasks_per_s"] = rates
    pool = make_mp(a.workers)
    try:
        pool.map(inc, range(1000), chunksize=100)
        for key, fn in (("imap_unordered_tasks_per_s", lambda: pool.imap_unordered(inc, range(n), chunksize=chunk)),
                        ("map_tasks_per_s", lambda: pool.map(inc, range(n), chunksize=chunk)),
                        ("imap_tasks_per_s", lambda: pool.imap(inc, range(n), chunksize=chunk))):
            progress("w3 batched, mp.Pool %s" % key)
            rates = []
            cpu = CpuMeter("mp_pool", pool)
            for _ in range(a.reps):
                cpu.start()
                t0 = time.perf_counter()
                count = sum(1 for _ in fn())
                rates.append(count / (time.perf_counter() - t0))
                cpu.stop()
                assert count == n
            out["mp_pool"][key] = rates
            if key == "imap_unordered_tasks_per_s":
                chunks = a.reps * (n // chunk)
                out["mp_pool"]["parent_cpu_us_per_chunk"] = [cpu.parent_s / chunks * 1e6]
                out["mp_pool"]["workers_cpu_us_per_chunk"] = [cpu.workers_s / chunks * 1e6]
    finally:
        close("mp_pool", pool)
    return out


def w4_cold_start(a):
    out = {"ppe": {}, "mp_pool": {}}
    for impl in ("ppe", "mp_pool"):
        for method in ("spawn", "fork", "forkserver"):
            if method not in mp.get_all_start_methods():
                continue
            progress("w4 cold start, %s %s" % (impl, method))
            samples = []
            for rep in range(a.reps + 1):  # the first is a warm-up (page cache, imports in this process)
                t0 = time.perf_counter()
                pool = make_ppe(a.workers, method) if impl == "ppe" else make_mp(a.workers, method)
                if impl == "ppe":
                    pool.submit(noop).result()
                else:
                    pool.apply(noop)
                dt = (time.perf_counter() - t0) * 1e3
                close(impl, pool)
                if rep > 0:
                    samples.append(dt)
            out[impl][method + "_ms"] = samples
    return out


def w5_payload(a):
    payload = os.urandom(a.payload_mib * 1024 * 1024)
    total_mib = a.payload_tasks * a.payload_mib
    out = {}
    for impl in ("ppe", "mp_pool"):
        progress("w5 payload, %s" % impl)
        pool = make_ppe(a.workers) if impl == "ppe" else make_mp(a.workers)
        try:
            def run(tasks):
                t0 = time.perf_counter()
                if impl == "ppe":
                    results = pool.map(echo, itertools.repeat(payload, tasks))
                else:
                    results = pool.imap(echo, itertools.repeat(payload, tasks), chunksize=1)
                count = 0
                for r in results:
                    assert len(r) == len(payload)
                    count += 1
                assert count == tasks
                return time.perf_counter() - t0

            run(10)
            cpu = CpuMeter(impl, pool)
            rates = []
            for _ in range(a.reps):
                cpu.start()
                rates.append(total_mib / run(a.payload_tasks))
                cpu.stop()
            out[impl] = {"mib_per_s_one_way": rates}
            out[impl].update(cpu.per(a.reps * a.payload_tasks))
        finally:
            close(impl, pool)
    return out


def calibrate_busy(seconds):
    iterations = 100_000
    while True:
        t0 = time.perf_counter()
        busy(iterations)
        dt = time.perf_counter() - t0
        if dt > 0.1:
            return max(1, int(iterations * seconds / dt))
        iterations *= 2


def w6_cpu_scaling(a):
    iterations = calibrate_busy(a.busy_seconds)
    progress("w6 cpu scaling: %d iterations per task (~%.2f s)" % (iterations, a.busy_seconds))
    out = {"iterations": iterations}
    for impl in ("ppe", "mp_pool"):
        pools = {}
        try:
            for w in (1, 2):
                pools[w] = make_ppe(w) if impl == "ppe" else make_mp(w)
                if impl == "ppe":
                    list(pools[w].map(noop_arg, range(4 * w)))
                else:
                    pools[w].map(noop_arg, range(4 * w))
            speedups, t1s, t2s = [], [], []
            for _ in range(a.scaling_reps):
                times = {}
                for w in (1, 2):
                    progress("w6 cpu scaling, %s, %d worker(s)" % (impl, w))
                    t0 = time.perf_counter()
                    if impl == "ppe":
                        list(pools[w].map(busy, [iterations] * a.busy_tasks))
                    else:
                        pools[w].map(busy, [iterations] * a.busy_tasks, chunksize=1)
                    times[w] = time.perf_counter() - t0
                t1s.append(times[1])
                t2s.append(times[2])
                speedups.append(times[1] / times[2])
            out[impl] = {"speedup": speedups, "t1_s": t1s, "t2_s": t2s}
        finally:
            for p in pools.values():
                close(impl, p)
    return out


def noop_arg(_):
    return None


def w7_timeout(a):
    # Neither pool can stop a task at a deadline: result(timeout) / get(timeout) only stop *waiting*, and the
    # task runs on. That caller-side delay is what is measured here; the task then finishes by itself.
    out = {}
    timeout = 0.1
    for impl in ("ppe", "mp_pool"):
        progress("w7 timeout (waiter only), %s" % impl)
        pool = make_ppe(a.workers) if impl == "ppe" else make_mp(a.workers)
        try:
            medians, maxes = [], []
            for _ in range(a.scaling_reps):
                delays = []
                for _ in range(a.timeout_tasks):
                    t0 = time.perf_counter()
                    h = pool.submit(sleep_for, 0.3) if impl == "ppe" else pool.apply_async(sleep_for, (0.3,))
                    try:
                        h.result(timeout=timeout) if impl == "ppe" else h.get(timeout=timeout)
                    except (cf.TimeoutError, mp.TimeoutError):
                        delays.append((time.perf_counter() - t0 - timeout) * 1e3)
                    h.result() if impl == "ppe" else h.get()
                medians.append(statistics.median(delays))
                maxes.append(max(delays))
            out[impl] = {"median_ms": medians, "max_ms": maxes,
                         "note": "caller stops waiting; the task is not stopped"}
        finally:
            close(impl, pool)
    return out


def w8_idle_rss(a):
    out = {"ppe": {}, "mp_pool": {}}
    for impl in ("ppe", "mp_pool"):
        for method in ("fork", "spawn"):
            progress("w8 idle worker RSS, %s %s" % (impl, method))
            values = []
            for _ in range(a.reps):
                pool = make_ppe(a.workers, method) if impl == "ppe" else make_mp(a.workers, method)
                try:
                    # Enough tasks at once that every worker starts (spawn starts PPE workers on demand).
                    if impl == "ppe":
                        list(pool.map(sleep_for, [0.05] * (2 * a.workers)))
                        list(pool.map(noop_arg, range(200)))
                    else:
                        pool.map(sleep_for, [0.05] * (2 * a.workers), chunksize=1)
                        pool.map(noop_arg, range(200))
                    time.sleep(1.0)
                    values.append(statistics.median([rss_mib(p) for p in worker_pids(impl, pool)]))
                finally:
                    close(impl, pool)
            out[impl][method + "_mib"] = values
    return out


WORKLOADS = {
    "w1": w1_round_trip,
    "w2": w2_throughput,
    "w3": w3_batched,
    "w4": w4_cold_start,
    "w5": w5_payload,
    "w6": w6_cpu_scaling,
    "w7": w7_timeout,
    "w8": w8_idle_rss,
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default=",".join(WORKLOADS))
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--scaling-reps", type=int, default=3, help="repetitions of w6 and w7")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rt-tasks", type=int, default=2000)
    p.add_argument("--rt-warmup", type=int, default=200)
    p.add_argument("--tp-tasks", type=int, default=20000)
    p.add_argument("--tp-warmup", type=int, default=2000)
    p.add_argument("--warmup-seconds", type=float, default=2.5, help="w1, w2: batches of no-op tasks this long first")
    p.add_argument("--map-n", type=int, default=1_000_000)
    p.add_argument("--chunk", type=int, default=1000)
    p.add_argument("--payload-tasks", type=int, default=500)
    p.add_argument("--payload-mib", type=int, default=1)
    p.add_argument("--busy-tasks", type=int, default=8)
    p.add_argument("--busy-seconds", type=float, default=0.5)
    p.add_argument("--timeout-tasks", type=int, default=10)
    a = p.parse_args()

    result = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "default_start_method": default_method(),
        "workloads": {},
        "errors": {},
    }
    for name in [w.strip() for w in a.only.split(",") if w.strip()]:
        if name not in WORKLOADS:
            result["errors"][name] = "unknown workload"
            continue
        try:
            result["workloads"][name] = WORKLOADS[name](a)
        except Exception as e:  # report and go on: one broken peer must not lose the others
            result["errors"][name] = "%s: %s" % (type(e).__name__, e)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
