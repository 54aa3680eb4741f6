#!/usr/bin/env python3
"""Journaling benchmark client (driven by bench/run-journal-bench.sh).

Reuses checkpoint_bench.py's connection, deployment generator and process
counters (imported with no parts selected). Like the CLI, one keep-alive
connection, sequential requests, every journalentries/checkpoint body gzipped
(level 6, Go's default).

Parts (BENCH_PARTS, comma separated, default all):
  ack    100-entry batches on a 5,000-resource (~25 MB) stack: ACK latency
         without and with the update's fold held; export mid-update vs a plain
         export of the same stored state; complete.
  up     a replayed 1,000-resource `pulumi up`, journaled vs delta checkpoints
         (up-journal, up-delta: one of them; run each on a fresh server so that
         neither counts the other's background writes).

Usage: journal_bench.py BASE_URL TOKEN SERVER_PID DATA_DIR
"""
import gzip
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
_parts = os.environ.get("BENCH_PARTS", "ack,up")
os.environ["BENCH_PARTS"] = "none"
import checkpoint_bench as cb  # noqa: E402  (runs nothing with BENCH_PARTS=none)

PARTS = _parts.split(",")
ACK_BATCHES = int(os.environ.get("BENCH_ACK_BATCHES", "100"))
EXPORTS = int(os.environ.get("BENCH_EXPORTS", "10"))


DB_DIR = os.environ.get("BENCH_DB_DIR", "")  # a PostgreSQL data dir (its cluster's I/O is counted)


def db_io():
    """Bytes written: the server process's, plus, on PostgreSQL, those of the
    cluster's postmaster and its children (backends, WAL writer, checkpointer)."""
    total = cb.proc_io()["write_bytes"]
    if DB_DIR:
        with open(os.path.join(DB_DIR, "postmaster.pid")) as f:
            master = int(f.readline())
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                if int(pid) != master and ppid != master:
                    continue
                with open(f"/proc/{pid}/io") as f:
                    for line in f:
                        if line.startswith("write_bytes:"):
                            total += int(line.split(":")[1])
            except OSError:
                pass
    return total


DB_URL = os.environ.get("BENCH_DB_URL", "")


def wal_lsn():
    """PostgreSQL only: the current WAL position (None on SQLite)."""
    if not DB_URL:
        return None
    import subprocess
    return subprocess.run(["psql", "-qAt", DB_URL, "-c", "SELECT pg_current_wal_lsn()"],
                          check=True, capture_output=True, text=True).stdout.strip()


def wal_bytes(lsn0, lsn1):
    import subprocess
    return int(subprocess.run(["psql", "-qAt", DB_URL, "-c",
                               f"SELECT pg_wal_lsn_diff('{lsn1}', '{lsn0}')"],
                              check=True, capture_output=True, text=True).stdout.strip().split(".")[0])


def db_du():
    return cb.du(DB_DIR or cb.DATA)


def gz(text):
    return gzip.compress(text.encode(), compresslevel=6)


def call_gz(method, path, text, auth):
    """A gzipped request like the CLI's; returns (seconds, bytes on the wire)."""
    body = gz(text)
    headers = {"Authorization": auth, "Accept": "application/vnd.pulumi+9",
               "Content-Type": "application/json", "Content-Encoding": "gzip"}
    t0 = time.perf_counter()
    cb.conn.request(method, path, body=body, headers=headers)
    r = cb.conn.getresponse()
    payload = r.read()
    dt = time.perf_counter() - t0
    if r.status not in (200, 204):
        raise SystemExit(f"{method} {path}: {r.status} {payload[:300]!r}")
    return dt, len(body)


def get_export(path):
    t0 = time.perf_counter()
    cb.conn.request("GET", f"{path}/export", headers={
        "Authorization": f"token {cb.TOKEN}", "Accept": "application/vnd.pulumi+8"})
    r = cb.conn.getresponse()
    payload = r.read()
    dt = time.perf_counter() - t0
    if r.status != 200:
        raise SystemExit(f"GET export: {r.status} {payload[:300]!r}")
    return dt, payload


def start_update(path, journal):
    upd, _ = cb.call("POST", f"{path}/update", json.dumps(
        {"name": "bench", "runtime": "nodejs", "main": "", "description": "",
         "options": {"dryRun": False}, "config": {},
         "metadata": {"message": "", "environment": {"pulumi.version": "v3.260.0"}}}))
    uid = upd["updateID"]
    started, _ = cb.call("POST", f"{path}/update/{uid}",
                         json.dumps({"journalVersion": 1} if journal else {}))
    if journal and started.get("journalVersion") != 1:
        raise SystemExit("the server did not offer journaling (started with --no-journaling?)")
    return uid, "update-token " + started["token"]


def entry(kind, seq, op, extra=""):
    return (f'{{"version":1,"kind":{kind},"sequenceID":{seq},"operationID":{op},'
            f'"removeOld":null,"removeNew":null{extra}}}')


def entry_remove_old(kind, seq, op, remove_old, extra):
    return (f'{{"version":1,"kind":{kind},"sequenceID":{seq},"operationID":{op},'
            f'"removeOld":{remove_old},"removeNew":null{extra}}}')


def secrets_entry(stack):
    return entry(6, 1, 0, ',"secretsProvider":{"type":"service","state":{"url":'
                 f'"https://pulumi.example.com","owner":"admin","project":"bench","stack":"{stack}"}}}}')


def batch(entries):
    return '{"entries":[' + ",".join(entries) + "]}"


def resources_of(payload):
    return len(json.loads(payload)["deployment"].get("resources") or [])


def bench_ack():
    stack = "jack25"
    path = cb.new_stack(stack)
    pad = 2050
    res = [cb.resource(stack, i, pad=pad) for i in range(5000)]
    text = cb.deployment(stack, res)
    uid, lease = cb.new_update(path)
    call_gz("PATCH", f"{path}/update/{uid}/checkpointverbatim",
            '{"version":3,"untypedDeployment":' + text + ',"sequenceNumber":1}', lease)
    cb.call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}', lease)
    plain_base = [get_export(path)[0] for _ in range(3)]

    uid, lease = start_update(path, journal=True)
    get_export(path)  # the CLI loads its base
    seq = 1
    op = 0
    pending = [secrets_entry(stack)]
    no_fold, with_fold = [], []
    nbatches = min(ACK_BATCHES, 100)  # 50 resource updates per batch, 5,000 resources
    first_export = None
    cpu = {"start": cb.proc_io()["cpu"]}
    for b in range(nbatches):
        if b == nbatches // 2:
            # One export mid-update: the server builds the update's fold.
            cpu["no_fold"] = cb.proc_io()["cpu"] - cpu["start"]
            first_export, payload = get_export(path)
            assert resources_of(payload) == 5000
            cpu["start"] = cb.proc_io()["cpu"]
        while len(pending) < 100:
            i = op
            op += 1
            new = cb.resource(stack, i, tag="j1", pad=pad)
            seq += 1
            pending.append(entry(0, seq, op, ',"operation":{"resource":' + new + ',"type":"updating"}'))
            seq += 1
            pending.append(entry_remove_old(1, seq, op, i, ',"state":' + new))
        dt, _ = call_gz("PATCH", f"{path}/update/{uid}/journalentries", batch(pending[:100]), lease)
        pending = pending[100:]
        (no_fold if first_export is None else with_fold).append(dt)
    cpu["with_fold"] = cb.proc_io()["cpu"] - cpu["start"]
    mid = []
    payload = b""
    for _ in range(EXPORTS):
        dt, payload = get_export(path)
        mid.append(dt)
    assert resources_of(payload) == 5000 and payload.count(b'-j1"') >= 5000
    t0 = time.perf_counter()
    cb.call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}', lease)
    complete = time.perf_counter() - t0
    plain = []
    for _ in range(EXPORTS):
        dt, final = get_export(path)
        plain.append(dt)
    assert resources_of(final) == 5000
    p = cb.pct
    print(f"journal ACK, 100-entry batches (50 updated resources each) on a {len(text) / 1e6:.1f} MB / "
          f"5000-resource stack, {len(no_fold) + len(with_fold)} batches:")
    print(f"  no fold held:    n={len(no_fold)} p50 {cb.ms(p(no_fold, .5))}  p99 {cb.ms(p(no_fold, .99))}  "
          f"max {cb.ms(max(no_fold))}; server CPU {cb.ms(cpu['no_fold'] / len(no_fold))}/batch")
    print(f"  fold held (folds each batch): n={len(with_fold)} p50 {cb.ms(p(with_fold, .5))}  "
          f"p99 {cb.ms(p(with_fold, .99))}  max {cb.ms(max(with_fold))}; "
          f"server CPU {cb.ms(cpu['with_fold'] / len(with_fold))}/batch")
    slow = sorted(enumerate(no_fold + with_fold), key=lambda x: -x[1])[:5]
    print("  slowest batches (index: ms): " + ", ".join(f"{i}: {d * 1000:.1f}" for i, d in slow))
    print(f"export mid-update ({len(payload) / 1e6:.1f} MB): first (builds the fold from base + "
          f"{(nbatches // 2) * 100} entries) {cb.ms(first_export)}; then {EXPORTS} with the fold: "
          f"p50 {cb.ms(p(mid, .5))}  max {cb.ms(max(mid))}")
    print(f"plain export of the stored final state ({len(final) / 1e6:.1f} MB): p50 {cb.ms(p(plain, .5))}  "
          f"max {cb.ms(max(plain))} (base before the update: p50 {cb.ms(p(plain_base, .5))}); "
          f"ratio mid/plain {p(mid, .5) / p(plain, .5):.2f}")
    print(f"complete (finalise from the fold: catch-up + materialise + store version): {cb.ms(complete)}")


def bench_up(journal):
    stack = "jup1000" if journal else "dup1000"
    path = cb.new_stack(stack)
    get_export(path)  # the preview
    io0, du0, w0, lsn0 = cb.proc_io(), db_du(), db_io(), wal_lsn()
    t0 = time.perf_counter()
    uid, lease = start_update(path, journal)
    get_export(path)  # the CLI loads its base
    lat = []
    wire = 0
    raw = 0
    steps = 0
    res = []
    text = None
    seq = 0

    def send(kind, body_text):
        nonlocal wire, raw, steps
        dt, n = call_gz("PATCH", f"{path}/update/{uid}/{kind}", body_text, lease)
        lat.append(dt)
        wire += n
        raw += len(body_text)
        steps += 1

    def save(new_text):
        nonlocal text, seq
        seq += 1
        if text is None or len(text) < cb.CUTOFF or len(new_text) < cb.CUTOFF:
            send("checkpointverbatim",
                 '{"version":3,"untypedDeployment":' + new_text + ',"sequenceNumber":%d}' % seq)
        else:
            send("checkpointdelta", json.dumps(
                {"version": 3, "checkpointHash": hashlib.sha256(new_text.encode()).hexdigest(),
                 "sequenceNumber": seq, "deploymentDelta": cb.header_and_body_edits(text, new_text)},
                separators=(",", ":")))
        text = new_text

    if journal:
        # One step at a time, as a dependency chain runs: each begin and each
        # success is acknowledged before the next entry exists, so every batch
        # holds one entry (the elided secrets-manager entry rides with the first).
        first = [secrets_entry(stack)]
        jseq = 1
        for i in range(1000):
            r = cb.resource(stack, i, pad=500)
            jseq += 1
            send("journalentries", batch(first + [entry(0, jseq, i + 1, ',"operation":{"resource":' + r +
                                                         ',"type":"creating"}')]))
            first = []
            jseq += 1
            send("journalentries", batch([entry(1, jseq, i + 1, ',"state":' + r)]))
    else:
        for i in range(1000):
            r = cb.resource(stack, i, pad=500)
            save(cb.deployment(stack, res, seconds=i, pending='{"resource":' + r + ',"type":"creating"}'))
            res.append(r)
            save(cb.deployment(stack, res, seconds=i))
        save(text)  # the final save when the run closes
    cb.call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}', lease)
    total = time.perf_counter() - t0
    time.sleep(0.5)
    io1, du1, w1, lsn1 = cb.proc_io(), db_du(), db_io(), wal_lsn()
    _, final = get_export(path)
    assert resources_of(final) == 1000
    label = "journaled" if journal else "delta checkpoints"
    print(f"replayed `pulumi up`, 1000 resources, {label}: {steps} requests, final state "
          f"{len(final) / 1e6:.2f} MB")
    print(f"  wall {total:.2f} s (client-observed, sequential), server CPU {io1['cpu'] - io0['cpu']:.2f} s; "
          f"per request p50 {cb.ms(cb.pct(lat, .5))} p90 {cb.ms(cb.pct(lat, .9))} "
          f"p99 {cb.ms(cb.pct(lat, .99))}")
    print(f"  received (gzip, on the wire) {wire / 1e6:.2f} MB = {wire / steps / 1e3:.2f} KB/step "
          f"(uncompressed {raw / 1e6:.1f} MB = {raw / steps / 1e3:.1f} KB/step)")
    print(f"  server write() bytes (wchar) {(io1['wchar'] - io0['wchar']) / 1e6:.1f} MB = "
          f"{(io1['wchar'] - io0['wchar']) / steps / 1e3:.1f} KB/step; written to disk "
          f"(block write_bytes{', server + PostgreSQL cluster' if DB_DIR else ''}) "
          f"{(w1 - w0) / 1e6:.1f} MB = {(w1 - w0) / steps / 1e3:.1f} KB/step; "
          f"database dir growth {(du1 - du0) / 1e6:.1f} MB")
    if lsn0:
        wal = wal_bytes(lsn0, lsn1)
        print(f"  PostgreSQL WAL generated {wal / 1e6:.1f} MB = {wal / steps / 1e3:.1f} KB/step")


if "idle" in PARTS:  # baseline: what the engine writes with no requests
    w0 = db_io()
    time.sleep(float(os.environ.get("BENCH_IDLE_SECONDS", "8")))
    print(f"idle {os.environ.get('BENCH_IDLE_SECONDS', '8')} s: written to disk {(db_io() - w0) / 1e6:.1f} MB")
if "ack" in PARTS:
    bench_ack()
if "up" in PARTS or "up-journal" in PARTS:
    bench_up(journal=True)
if "up" in PARTS or "up-delta" in PARTS:
    bench_up(journal=False)
