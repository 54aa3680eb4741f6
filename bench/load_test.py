#!/usr/bin/env python3
"""Bounded load test client (driven by bench/run-load-test.sh).

Against a running server on loopback, at the same time:
  * IDLE keep-alive connections: each opened, used for one GET /api/user,
    then left idle; at the end each must still answer a second request;
  * UPS concurrent `pulumi up`s of RESOURCES resources each, one per stack,
    as the CLI sends them: create and start the update, a first verbatim
    checkpoint, then per resource a delta checkpoint with the pending
    "creating" operation and one with the created resource (gzip request
    bodies, the exact deploymentDelta form and SHA-256 checkpointHash of
    shared/spec/cli-protocol.md), engine events in batches of at most 50
    (resourcePreEvent + resOutputsEvent per resource), a final checkpoint,
    summaryEvent, complete;
  * READERS loops of small reads (GET stack, GET /api/user) until every up
    has finished.
Every non-2xx answer or connection error counts as an error; the run fails
unless there are none. Stops by itself: the whole run is bounded by
DEADLINE seconds. Reports p50/p99 of small reads and of checkpoints, the
server's RSS (sampled every 100 ms) and its open descriptors.

Usage: load_test.py BASE_URL TOKEN SERVER_PID
Environment: LOAD_IDLE=1000 LOAD_UPS=50 LOAD_RESOURCES=100 LOAD_READERS=8
             LOAD_DEADLINE=240
"""
import asyncio
import gzip
import hashlib
import json
import multiprocessing
import os
import sys
import time
import urllib.parse

BASE, TOKEN, PID = sys.argv[1], sys.argv[2], int(sys.argv[3])
IDLE = int(os.environ.get("LOAD_IDLE", "1000"))
UPS = int(os.environ.get("LOAD_UPS", "50"))
RESOURCES = int(os.environ.get("LOAD_RESOURCES", "100"))
READERS = int(os.environ.get("LOAD_READERS", "8"))
DEADLINE = float(os.environ.get("LOAD_DEADLINE", "240"))
u = urllib.parse.urlparse(BASE)
HOST, PORT = u.hostname, u.port
ORG, PROJECT = "admin", "load"

errors = []
lat = {"read": [], "checkpoint": [], "events": [], "other": []}


class Conn:
    """One keep-alive HTTP/1.1 connection (Content-Length bodies only)."""

    def __init__(self):
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(HOST, PORT)

    async def call(self, method, path, body=None, auth=None, gzip_body=False, kind="other"):
        if self.writer is None:
            await self.open()
        data = b"" if body is None else (body.encode() if isinstance(body, str) else body)
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{PORT}",
                f"Authorization: {auth or 'token ' + TOKEN}",
                "Accept: application/vnd.pulumi+9", "Content-Type: application/json",
                "User-Agent: pulumi-cli/1 (v3.200.0; linux; cmd=load)"]
        if gzip_body:
            data = gzip.compress(data, 1)
            head.append("Content-Encoding: gzip")
        if body is not None or method in ("POST", "PATCH", "PUT"):
            head.append(f"Content-Length: {len(data)}")
        t0 = time.perf_counter()
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError(f"{method} {path}: connection closed")
        status = int(status_line.split()[1])
        length = 0
        closing = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v.strip())
            elif k == "connection" and v.strip().lower() == "close":
                closing = True
        payload = await self.reader.readexactly(length) if length else b""
        dt = time.perf_counter() - t0
        lat[kind].append(dt)
        if closing:
            self.close()
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path}: {status} {payload[:200]!r}")
        return payload

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def checked(coro, what):
    try:
        return await coro
    except Exception as e:  # noqa: BLE001 - every failure is counted
        errors.append(f"{what}: {type(e).__name__}: {e}")
        return None


def resource(stack, i):
    p = f"urn:pulumi:{stack}::{PROJECT}::"
    deps = f'["{p}random:index/randomPet:RandomPet::pet{i - 1}"]' if i else "[]"
    return (f'{{"urn":"{p}random:index/randomPet:RandomPet::pet{i}","custom":true,'
            f'"id":"pet-{i}","type":"random:index/randomPet:RandomPet",'
            f'"inputs":{{"length":2,"prefix":"{stack}-{i}"}},'
            f'"outputs":{{"id":"pet-{i}","length":2,"prefix":"{stack}-{i}","note":"{"n" * 400}"}},'
            f'"parent":"{p}pulumi:pulumi:Stack::{PROJECT}-{stack}",'
            f'"provider":"{p}pulumi:providers:random::default::0a1b2c","dependencies":{deps}}}')


def deployment(stack, res, pending=""):
    text = ('{"version":3,"deployment":{"manifest":{"time":"2026-12-03T10:00:00Z","magic":"m",'
            '"version":"v3.200.0"},"secrets_providers":{"type":"service","state":{"url":'
            f'"{BASE}","owner":"{ORG}","project":"{PROJECT}","stack":"{stack}"}}}},'
            '"resources":[' + ",".join(res) + "]")
    if pending:
        text += ',"pending_operations":[' + pending + "]"
    return text + "}}"


def common(same, n):
    """Largest k <= n with same(k) (same is monotone), by bisection over
    slice comparisons (memcmp), not a Python loop per character."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if same(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def delta(old, new):
    """One TextEdit (common prefix and suffix kept), in the form the CLI
    sends: Span offsets into the old text, NewText replacing that span."""
    n = min(len(old), len(new))
    a = common(lambda k: old[:k] == new[:k], n)
    b = common(lambda k: old[len(old) - k:] == new[len(new) - k:], n - a)
    return [{"Span": {"uri": "", "start": {"line": 1, "column": 1, "offset": a},
                      "end": {"line": 1, "column": 1, "offset": len(old) - b}},
             "NewText": new[a:len(new) - b]}]


def step_event(seq, kind, stack, i):
    p = f"urn:pulumi:{stack}::{PROJECT}::"
    state = {"type": "random:index/randomPet:RandomPet", "urn": f"{p}random:index/randomPet:RandomPet::pet{i}",
             "id": f"pet-{i}", "parent": f"{p}pulumi:pulumi:Stack::{PROJECT}-{stack}",
             "inputs": {"length": 2}, "outputs": {"id": f"pet-{i}"} if kind == "resOutputsEvent" else {},
             "provider": f"{p}pulumi:providers:random::default::0a1b2c"}
    meta = {"op": "create", "urn": state["urn"], "type": state["type"], "old": None, "new": state,
            "detailedDiff": None, "provider": state["provider"]}
    return {"sequence": seq, "timestamp": int(time.time()), kind: {"metadata": meta}}


async def up(k):
    stack = f"s{k}"
    path = f"/api/stacks/{ORG}/{PROJECT}/{stack}"
    user, lease_conn = Conn(), Conn()
    try:
        created = json.loads(await user.call("POST", f"{path}/update", json.dumps(
            {"name": PROJECT, "runtime": "nodejs", "main": "", "description": "",
             "options": {"dryRun": False, "parallel": 8}, "config": {},
             "metadata": {"message": "load", "environment": {}}})))
        uid = created["updateID"]
        started = json.loads(await user.call("POST", f"{path}/update/{uid}", "{}"))
        lease = "update-token " + started["token"]
        seq = 0
        text = deployment(stack, [])
        seq += 1
        await lease_conn.call("PATCH", f"{path}/update/{uid}/checkpointverbatim",
                              '{"version":3,"untypedDeployment":' + text + ',"sequenceNumber":1}',
                              lease, gzip_body=True, kind="checkpoint")
        res = []
        events = []
        event_seq = 0

        async def save(new_text):
            nonlocal text, seq
            seq += 1
            body = json.dumps({"version": 3,
                               "checkpointHash": hashlib.sha256(new_text.encode()).hexdigest(),
                               "sequenceNumber": seq, "deploymentDelta": delta(text, new_text)},
                              separators=(",", ":"))
            await lease_conn.call("PATCH", f"{path}/update/{uid}/checkpointdelta", body, lease,
                                  gzip_body=True, kind="checkpoint")
            text = new_text

        async def flush():
            nonlocal events
            if events:
                batch, events = events, []
                await lease_conn.call("POST", f"{path}/update/{uid}/events/batch",
                                      json.dumps({"events": batch}), lease, gzip_body=True,
                                      kind="events")

        for i in range(RESOURCES):
            r = resource(stack, i)
            events.append(step_event(event_seq, "resourcePreEvent", stack, i))
            event_seq += 1
            await save(deployment(stack, res, pending='{"resource":' + r + ',"type":"creating"}'))
            res.append(r)
            await save(deployment(stack, res))
            events.append(step_event(event_seq, "resOutputsEvent", stack, i))
            event_seq += 1
            if len(events) >= 50:
                await flush()
        events.append({"sequence": event_seq, "timestamp": int(time.time()), "summaryEvent": {
            "maybeCorrupt": False, "durationSeconds": 1, "resourceChanges": {"create": RESOURCES},
            "PolicyPacks": {}, "isPreview": False, "result": "succeeded"}})
        await flush()
        await save(deployment(stack, res).replace("10:00:00Z", "10:00:01Z"))
        await lease_conn.call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}',
                              lease, gzip_body=True)
        exported = await user.call("GET", f"{path}/export")
        if json.loads(exported) != json.loads(text):
            raise RuntimeError(f"{stack}: exported state differs from the last checkpoint")
    finally:
        user.close()
        lease_conn.close()


async def reader(n, done):
    conn = Conn()
    i = 0
    while not done.is_set():
        stack = f"s{(n * 7 + i) % UPS}"
        path = f"/api/stacks/{ORG}/{PROJECT}/{stack}" if i % 2 == 0 else "/api/user"
        if await checked(conn.call("GET", path, kind="read"), f"read {path}") is None:
            conn.close()
            conn = Conn()
        i += 1
    conn.close()


def reader_process(done_pipe, result_pipe):
    """The small-read loops in a process of their own, so that their
    latencies are not those of the ups' event loop (which is busy hashing
    and compressing checkpoints)."""
    errors.clear()

    async def run():
        done = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_reader(done_pipe.fileno(), done.set)
        await asyncio.gather(*(reader(n, done) for n in range(READERS)))
    asyncio.run(run())
    result_pipe.send((lat["read"], errors))


def server_status():
    out = {}
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{PID}/fd"))
    return out


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ms(x):
    return f"{x * 1000:.2f} ms"


async def main():
    t_start = time.perf_counter()
    setup = Conn()
    for k in range(UPS):
        await checked(setup.call("POST", f"/api/stacks/{ORG}/{PROJECT}", json.dumps(
            {"stackName": f"s{k}", "tags": {"pulumi:project": PROJECT}})), f"create stack s{k}")
    setup.close()
    idle0 = server_status()

    idle = [Conn() for _ in range(IDLE)]
    for start in range(0, IDLE, 100):
        await asyncio.gather(*(checked(c.call("GET", "/api/user", kind="other"), "idle open")
                               for c in idle[start:start + 100]))
    opened = server_status()

    peak = {"VmRSS": 0, "fds": 0}
    done = asyncio.Event()

    async def sample():
        while not done.is_set():
            st = server_status()
            peak["VmRSS"] = max(peak["VmRSS"], st["VmRSS"])
            peak["fds"] = max(peak["fds"], st["fds"])
            await asyncio.sleep(0.1)

    t0 = time.perf_counter()
    sampler = asyncio.ensure_future(sample())
    stop_r, stop_w = multiprocessing.Pipe(duplex=False)
    result_r, result_w = multiprocessing.Pipe(duplex=False)
    readers = multiprocessing.Process(target=reader_process, args=(stop_r, result_w))
    readers.start()
    await asyncio.gather(*(checked(up(k), f"up s{k}") for k in range(UPS)))
    ups_wall = time.perf_counter() - t0
    done.set()
    stop_w.send(True)
    read_lat, read_errors = await asyncio.get_running_loop().run_in_executor(None, result_r.recv)
    readers.join()
    lat["read"] = read_lat
    errors.extend(read_errors)
    await sampler

    # Every idle connection must still be open and answer.
    await asyncio.gather(*(checked(c.call("GET", "/api/user", kind="other"), "idle reuse")
                           for c in idle))
    for c in idle:
        c.close()
    end = server_status()
    reads, cps, evs = lat["read"], lat["checkpoint"], lat["events"]
    print(f"idle keep-alive connections: {IDLE} (all reused at the end: "
          f"{'yes' if not any(e.startswith('idle') for e in errors) else 'NO'}); "
          f"server fds {idle0['fds']} before, {opened['fds']} with them open, peak {peak['fds']}")
    print(f"{UPS} concurrent ups x {RESOURCES} resources: {len(cps)} checkpoints "
          f"({len(cps) - UPS} deltas), {len(evs)} event batches, wall {ups_wall:.1f} s "
          f"({len(cps) / ups_wall:.0f} checkpoints/s)")
    print(f"  checkpoint p50 {ms(pct(cps, .5))}  p99 {ms(pct(cps, .99))}  max {ms(max(cps))}")
    print(f"  event batch p50 {ms(pct(evs, .5))}  p99 {ms(pct(evs, .99))}  max {ms(max(evs))}")
    print(f"small reads ({READERS} loops in a process of their own, GET stack / GET /api/user): {len(reads)} requests, "
          f"{len(reads) / ups_wall:.0f} req/s, p50 {ms(pct(reads, .5))}  p99 {ms(pct(reads, .99))}  "
          f"max {ms(max(reads))}")
    print(f"server RSS: {idle0['VmRSS'] / 1024:.1f} MB before, {opened['VmRSS'] / 1024:.1f} MB with "
          f"the idle connections, peak {peak['VmRSS'] / 1024:.1f} MB during the ups (sampled), "
          f"{end['VmRSS'] / 1024:.1f} MB at the end; VmHWM {end['VmHWM'] / 1024:.1f} MB; "
          f"{end['Threads']} threads")
    print(f"errors: {len(errors)}  (total wall {time.perf_counter() - t_start:.1f} s)")
    for e in errors[:20]:
        print("  " + e)
    return 1 if errors else 0


async def bounded():
    try:
        return await asyncio.wait_for(main(), DEADLINE)
    except asyncio.TimeoutError:
        print(f"load test did not finish within {DEADLINE:.0f} s; errors so far: {len(errors)}")
        return 2


sys.exit(asyncio.run(bounded()))
