#!/usr/bin/env python3
"""Memory under hostile input (driven by bench/run-memory-bench.sh).

Against a running server (started with --log-level debug so that its log lists
the route table), for every body-carrying route in turn: 50 concurrent gzip
bombs (~500 KB inflating to 512 MiB of zeros); then, on the routes that take
states, 50 concurrent bodies under the compression-ratio cap (~120:1) that
inflate to MEM_EVADING_MB each. All the while MEM_CHECKPOINTERS clients save
legitimate ~25 MB gzip checkpoints (checkpoint_bench.py's generator) in a loop,
retrying on 503 after Retry-After as the CLI does. The server's RSS is sampled
every 20 ms; its VmHWM is the peak.

Usage: memory_bench.py BASE_URL TOKEN SERVER_PID DATA_DIR SERVER_LOG
       memory_bench.py --ratios        (gzip ratios of generated states only)
"""
import http.client
import json
import os
import random
import re
import sys
import threading
import time
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1 << 20


def load_generators(argv):
    # checkpoint_bench reads its arguments and runs the parts named in
    # BENCH_PARTS when imported: give it ours and no parts.
    saved = sys.argv
    sys.argv = [saved[0]] + argv
    os.environ["BENCH_PARTS"] = ""
    sys.path.insert(0, HERE)
    import checkpoint_bench  # noqa: E402
    sys.argv = saved
    return checkpoint_bench


def gzip_bytes(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def realistic_state(stack, resources, seed=1):
    """Resources with random ids, ARNs, hashes and timestamps, as real AWS
    states have them (the least compressible of the generators here)."""
    rnd = random.Random(seed)
    hexs = lambda n: "".join(rnd.choice("0123456789abcdef") for _ in range(n))
    p = f"urn:pulumi:{stack}::app::"
    res = []
    for i in range(resources):
        kind = rnd.choice(["aws:ec2/instance:Instance", "aws:s3/bucket:Bucket",
                           "aws:iam/role:Role", "aws:lambda/function:Function"])
        rid = f"{kind.split(':')[-1].lower()}-{hexs(17)}"
        acct = f"{rnd.randrange(10**11, 10**12)}"
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [f"s3:{a}" for a in rnd.sample(
                ["GetObject", "PutObject", "ListBucket", "DeleteObject", "GetBucketPolicy"], 3)],
             "Resource": f"arn:aws:s3:::{rid}/*"}]})
        outputs = {"arn": f"arn:aws:{kind.split(':')[1].split('/')[0]}:us-west-2:{acct}:{rid}",
                   "id": rid, "etag": hexs(32), "sourceCodeHash": hexs(44),
                   "lastModified": f"2026-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}T"
                                   f"{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:00.000+0000",
                   "policy": policy, "privateIp": f"10.{rnd.randrange(256)}.{rnd.randrange(256)}."
                                                  f"{rnd.randrange(256)}",
                   "tags": {"Name": f"res-{i}", "team": rnd.choice(["core", "web", "data"]),
                            "commit": hexs(40)}}
        res.append(json.dumps({"urn": f"{p}{kind}::res-{i}", "custom": True, "id": rid,
                               "type": kind, "inputs": {"tags": outputs["tags"]},
                               "outputs": outputs, "parent": f"{p}pulumi:pulumi:Stack::app-{stack}",
                               "provider": f"{p}pulumi:providers:aws::default::{hexs(8)}-{hexs(4)}",
                               "dependencies": [], "created": outputs["lastModified"],
                               "modified": outputs["lastModified"]}, separators=(",", ":")))
    return ('{"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:00:00Z","magic":"m",'
            '"version":"v3.200.0"},"resources":[' + ",".join(res) + "]}}")


def ratios():
    cb = load_generators(["http://127.0.0.1:1", "t", "1", "/tmp"])
    cases = [("checkpoint_bench 400 res, pad 105", cb.deployment("s", [cb.resource("s", i, pad=105) for i in range(400)])),
             ("checkpoint_bench 27000 res, pad 0", cb.deployment("s", [cb.resource("s", i) for i in range(27000)])),
             ("checkpoint_bench 5000 res, pad 500", cb.deployment("s", [cb.resource("s", i, pad=500) for i in range(5000)])),
             ("checkpoint_bench 5000 res, pad 2050", cb.deployment("s", [cb.resource("s", i, pad=2050) for i in range(5000)])),
             ("random ids/ARNs/hashes 20000 res", realistic_state("s", 20000))]
    print("| state | size | gzip -1 | gzip -6 (Go's default) | gzip -9 |")
    print("|---|---|---|---|---|")
    for name, text in cases:
        b = text.encode()
        r = [len(b) / len(gzip_bytes(b, lvl)) for lvl in (1, 6, 9)]
        print(f"| {name} | {len(b) / 1e6:.1f} MB | {r[0]:.1f}:1 | {r[1]:.1f}:1 | {r[2]:.1f}:1 |")
    zeros = gzip_bytes(bytes(64 * MIB), 9)
    print(f"| 64 MiB of zeros (a bomb) | {len(zeros) / 1e3:.0f} KB | | | {64 * MIB / len(zeros):.0f}:1 |")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    base, token, pid, data, log = sys.argv[1:6]
    pid = int(pid)
    cb = load_generators([base, token, str(pid), data])
    u = urllib.parse.urlparse(base)
    concurrency = int(os.environ.get("MEM_CONCURRENCY", "50"))
    checkpointers = int(os.environ.get("MEM_CHECKPOINTERS", "3"))
    evading_mb = int(os.environ.get("MEM_EVADING_MB", "480"))

    routes = []
    with open(log) as f:
        for m in re.finditer(r"route (POST|PUT|PATCH) (\S+) max_body_bytes=(\d+)", f.read()):
            path = re.sub(r"\{[^}]+\*\}", "t1/t2", m.group(2))
            path = re.sub(r"\{[^}]+\}", "x1", path)
            routes.append((m.group(1), path, int(m.group(3))))
    state_limit = max(r[2] for r in routes)

    bomb = gzip_bytes(bytes(512 * MIB), 9)
    buf = bytearray(evading_mb * MIB)
    rnd = random.Random(7)
    for i in range(0, len(buf), 400):
        buf[i] = rnd.randrange(1, 256)
    evading = gzip_bytes(bytes(buf), 9)
    del buf
    print(f"bomb {len(bomb) / 1e3:.0f} KB -> 512 MiB ({512 * MIB / len(bomb):.0f}:1); "
          f"under-cap body {len(evading) / 1e6:.1f} MB -> {evading_mb} MiB "
          f"({evading_mb * MIB / len(evading):.0f}:1)")

    # Legitimate ~25 MB checkpoints, gzip level 6 as Go's default.
    state_text = cb.deployment("mem", [cb.resource("mem", i) for i in range(27000)])
    leases = []
    for k in range(checkpointers):
        path = cb.new_stack(f"mem{k}")
        uid, lease = cb.new_update(path)
        body = ('{"version":3,"untypedDeployment":' + state_text.replace('"stack":"mem"', f'"stack":"mem{k}"') +
                ',"sequenceNumber":%d}')
        leases.append((f"{path}/update/{uid}/checkpointverbatim", lease, body))
    print(f"checkpoint {len(state_text) / 1e6:.1f} MB, gzip -6 "
          f"{len(gzip_bytes(state_text.encode())) / 1e6:.2f} MB")

    rss0 = status_kb(pid, "VmRSS")
    stop = threading.Event()
    samples = []

    def sampler():
        while not stop.is_set():
            samples.append(status_kb(pid, "VmRSS"))
            time.sleep(0.02)

    ck_stats = {"ok": 0, "503": 0, "other": [], "lat": []}
    ck_lock = threading.Lock()

    def checkpointer(k):
        path, lease, body = leases[k]
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        seq = 0
        while not stop.is_set():
            seq += 1
            payload = gzip_bytes((body % seq).encode())
            t0 = time.perf_counter()
            while True:
                try:
                    conn.request("PATCH", path, body=payload, headers={
                        "Authorization": lease, "Content-Encoding": "gzip",
                        "Content-Type": "application/json", "Accept": "application/vnd.pulumi+8"})
                    r = conn.getresponse()
                    r.read()
                except (ConnectionError, http.client.HTTPException) as e:
                    conn.close()
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
                    with ck_lock:
                        ck_stats["other"].append(repr(e))
                    continue
                if r.status == 503:
                    with ck_lock:
                        ck_stats["503"] += 1
                    conn.close()
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
                    time.sleep(int(r.getheader("Retry-After", "1")))
                    continue
                break
            with ck_lock:
                if r.status in (200, 204):
                    ck_stats["ok"] += 1
                    ck_stats["lat"].append(time.perf_counter() - t0)
                else:
                    ck_stats["other"].append(r.status)

    hostile = {}
    h_lock = threading.Lock()

    def fire(method, path, body, n):
        def one():
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
            try:
                conn.request(method, path, body=body, headers={
                    "Authorization": f"token {token}", "Content-Encoding": "gzip",
                    "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                key = r.status
            except (ConnectionError, http.client.HTTPException):
                key = "reset"
            finally:
                conn.close()
            with h_lock:
                hostile[key] = hostile.get(key, 0) + 1
        ts = [threading.Thread(target=one) for _ in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    threads = [threading.Thread(target=sampler)] + [
        threading.Thread(target=checkpointer, args=(k,)) for k in range(checkpointers)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    for method, path, _ in routes:
        fire(method, path, bomb, concurrency)
    t_bombs = time.perf_counter() - t0
    peak_bombs = max(samples)
    for method, path, limit in routes:
        if limit == state_limit:
            fire(method, path, evading, concurrency)
    t_all = time.perf_counter() - t0
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join()
    hwm = status_kb(pid, "VmHWM")
    n_state = sum(1 for r in routes if r[2] == state_limit)
    lat = sorted(ck_stats["lat"])
    print(f"{len(routes)} body routes ({n_state} up to {state_limit >> 20} MiB): "
          f"{concurrency} concurrent bombs per route took {t_bombs:.1f} s, then {concurrency} "
          f"concurrent under-cap bodies per state route; all phases {t_all:.1f} s")
    print(f"hostile answers: {dict(sorted(hostile.items(), key=str))}")
    print(f"checkpoints saved meanwhile: {ck_stats['ok']} (p50 {lat[len(lat) // 2] * 1000:.0f} ms, "
          f"max {lat[-1] * 1000:.0f} ms), 503 retries {ck_stats['503']}, other {ck_stats['other'][:5]}"
          if lat else f"checkpoints saved: 0, 503s {ck_stats['503']}, other {ck_stats['other'][:5]}")
    print(f"RSS: start {rss0 / 1024:.0f} MiB, peak sampled during bombs {peak_bombs / 1024:.0f} MiB, "
          f"peak sampled overall {max(samples) / 1024:.0f} MiB, VmHWM {hwm / 1024:.0f} MiB, "
          f"end {status_kb(pid, 'VmRSS') / 1024:.0f} MiB")
    with urllib.request.urlopen(f"{base}/metrics") as r:
        for line in r.read().decode().splitlines():
            if line.startswith("statehouse_http_body_memory"):
                print("  " + line)


if __name__ == "__main__":
    import urllib.request
    if sys.argv[1:2] == ["--ratios"]:
        ratios()
    else:
        main()
