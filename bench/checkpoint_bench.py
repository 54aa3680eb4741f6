#!/usr/bin/env python3
"""Checkpoint benchmark client (driven by bench/run-checkpoint-bench.sh).

Talks to a running server over loopback with one keep-alive connection, the
way the CLI does (sequential saves). Deployments are generated
deterministically: Pulumi-shaped custom resources with inputs, outputs,
parent, provider reference and dependencies, laid out compactly like the
CLI's spanned serialisation (one span per resource).

Usage: checkpoint_bench.py BASE_URL TOKEN SERVER_PID DATA_DIR
"""
import hashlib
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

BASE, TOKEN, PID, DATA = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
CUTOFF = 1048576  # checkpointCutoffSizeBytes advertised by the server
u = urllib.parse.urlparse(BASE)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)


def call(method, path, body=None, auth=None):
    headers = {"Authorization": auth or f"token {TOKEN}",
               "Accept": "application/vnd.pulumi+8", "Content-Type": "application/json"}
    data = body.encode() if isinstance(body, str) else body
    t0 = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    payload = r.read()
    dt = time.perf_counter() - t0
    if r.status not in (200, 204):
        raise SystemExit(f"{method} {path}: {r.status} {payload[:300]!r}")
    return json.loads(payload or b"{}"), dt


def resource(stack, i, tag="v0", pad=0):
    p = f"urn:pulumi:{stack}::bench::"
    urn = f"{p}aws:s3/bucket:Bucket::bucket-{i}"
    deps = f'["{p}aws:s3/bucket:Bucket::bucket-{i - 1}"]' if i else "[]"
    filler = "x" * pad
    return (
        f'{{"urn":"{urn}","custom":true,"id":"bucket-{i}-{tag}",'
        f'"type":"aws:s3/bucket:Bucket","inputs":{{"__defaults":["acl","forceDestroy"],'
        f'"acl":"private","bucket":"bucket-{i}-{tag}","forceDestroy":false,'
        f'"tags":{{"Name":"bucket-{i}","Owner":"bench","Note":"{filler}"}}}},'
        f'"outputs":{{"acl":"private","arn":"arn:aws:s3:::bucket-{i}-{tag}",'
        f'"bucket":"bucket-{i}-{tag}","bucketDomainName":"bucket-{i}-{tag}.s3.amazonaws.com",'
        f'"hostedZoneId":"Z3AQBSTGFYJSTF","region":"us-east-1","forceDestroy":false,'
        f'"tags":{{"Name":"bucket-{i}","Owner":"bench","Note":"{filler}"}}}},'
        f'"parent":"{p}pulumi:pulumi:Stack::bench-{stack}",'
        f'"provider":"{p}pulumi:providers:aws::default_6_0_0::04da6b54-80e4-46f7-96ec-b56ff0331ba9",'
        f'"dependencies":{deps},"propertyDependencies":{{"bucket":[]}},'
        f'"created":"2026-11-22T10:00:00.000000Z","modified":"2026-11-22T10:00:00.000000Z"}}')


def deployment(stack, resources, seconds=0, pending=""):
    head = ('{"version":3,"deployment":{"manifest":{"time":"2026-11-22T10:%02d:%02dZ",'
            '"magic":"4b3e4c0fd1bd0a32","version":"v3.200.0"},"secrets_providers":{"type":'
            '"service","state":{"url":"https://pulumi.example.com","owner":"admin",'
            '"project":"bench","stack":"%s"}},"resources":[' % (seconds // 60 % 60, seconds % 60, stack))
    tail = "]"
    if pending:
        tail += ',"pending_operations":[' + pending + "]"
    return head + ",".join(resources) + tail + ',"metadata":{}}}'


def single_edit(old, new):
    """One TextEdit turning old into new (common prefix/suffix)."""
    n = min(len(old), len(new))
    a = 0
    # Compare in chunks for speed on 25 MB texts.
    step = 4096
    while a + step <= n and old[a:a + step] == new[a:a + step]:
        a += step
    while a < n and old[a] == new[a]:
        a += 1
    b = 0
    while b + step <= n - a and old[len(old) - b - step:len(old) - b] == new[len(new) - b - step:len(new) - b]:
        b += step
    while b < n - a and old[len(old) - 1 - b] == new[len(new) - 1 - b]:
        b += 1
    return {"Span": {"uri": "", "start": {"line": 1, "column": 1, "offset": a},
                     "end": {"line": 1, "column": 1, "offset": len(old) - b}},
            "NewText": new[a:len(new) - b]}


def header_and_body_edits(old, new):
    """The CLI's line diff sends the manifest line and the changed resource
    lines separately; approximate that with one edit for the header (up to
    the resources array) and one common-prefix/suffix edit for the rest."""
    key = '"resources":['
    ho, hn = old.find(key), new.find(key)
    if ho < 0 or hn < 0:
        return [single_edit(old, new)]
    ho += len(key)
    hn += len(key)
    out = []
    if old[:ho] != new[:hn]:
        out.append({"Span": {"uri": "", "start": {"line": 1, "column": 1, "offset": 0},
                             "end": {"line": 1, "column": 1, "offset": ho}},
                    "NewText": new[:hn]})
    rest = single_edit(old[ho:], new[hn:])
    rest["Span"]["start"]["offset"] += ho
    rest["Span"]["end"]["offset"] += ho
    out.append(rest)
    return out


def edits(old, new, regions):
    """Edits for changes confined to the given (start, end) regions of `old`,
    in order (header + changed resource), as the CLI's line diff would send."""
    out = []
    for (s, e, text) in regions:
        out.append({"Span": {"uri": "", "start": {"line": 1, "column": 1, "offset": s},
                             "end": {"line": 1, "column": 1, "offset": e}}, "NewText": text})
    return out


def proc_io():
    io = {}
    with open(f"/proc/{PID}/io") as f:
        for line in f:
            k, v = line.split(":")
            io[k] = int(v)
    with open(f"/proc/{PID}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    io["cpu"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return io


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ms(x):
    return f"{x * 1000:.2f} ms"


def new_update(stack_path):
    upd, _ = call("POST", f"{stack_path}/update", json.dumps(
        {"name": "bench", "runtime": "nodejs", "main": "", "description": "",
         "options": {"dryRun": False, "color": "raw", "localPolicyPackPaths": [], "parallel": 8},
         "config": {}, "metadata": {"message": "bench", "environment": {}}}))
    uid = upd["updateID"]
    started, _ = call("POST", f"{stack_path}/update/{uid}", "{}")
    return uid, "update-token " + started["token"]


def new_stack(name):
    call("POST", "/api/stacks/admin/bench", json.dumps(
        {"stackName": name, "tags": {"pulumi:project": "bench", "pulumi:runtime": "nodejs"}}))
    return f"/api/stacks/admin/bench/{name}"


def bench_delta_25mb():
    stack = "delta25"
    path = new_stack(stack)
    uid, lease = new_update(path)
    pad = 2050
    res = [resource(stack, i, pad=pad) for i in range(5000)]
    text = deployment(stack, res)
    size = len(text)
    call("PATCH", f"{path}/update/{uid}/checkpointverbatim",
         '{"version":3,"untypedDeployment":' + text + ',"sequenceNumber":1}', lease)
    lat = []
    for k in range(ROUNDS):
        seq = k + 2
        i = (k * 997 + 13) % 5000
        new_res = list(res)
        new_res[i] = resource(stack, i, tag=f"c{k}", pad=pad)
        new_text = deployment(stack, new_res, seconds=seq)
        # Two edits: the manifest time in the header, the changed resource.
        hdr_old = text.index('"resources":[')
        res_start = hdr_old + len('"resources":[') + sum(len(r) + 1 for r in res[:i])
        delta = edits(text, new_text, [
            (0, hdr_old, new_text[:hdr_old]),
            (res_start, res_start + len(res[i]), new_res[i])])
        body = json.dumps({"version": 3, "checkpointHash": hashlib.sha256(new_text.encode()).hexdigest(),
                           "sequenceNumber": seq, "deploymentDelta": delta}, separators=(",", ":"))
        _, dt = call("PATCH", f"{path}/update/{uid}/checkpointdelta", body, lease)
        lat.append(dt)
        res, text = new_res, new_text
    call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}', lease)
    exported, _ = call("GET", f"{path}/export")
    assert json.dumps(exported) is not None
    with open(os.path.join(DATA, "..", "state25.json"), "w") as f:
        f.write(text)
    t0 = time.perf_counter()
    hashlib.sha256(text.encode()).hexdigest()
    inproc_hash = time.perf_counter() - t0
    print(f"delta PATCH, {size / 1e6:.1f} MB / 5000 resources, {ROUNDS} saves "
          f"(log compacted after 8 deltas): p50 {ms(pct(lat, .5))}  p90 {ms(pct(lat, .9))}  "
          f"p99 {ms(pct(lat, .99))}  max {ms(max(lat))}  min {ms(min(lat))}  "
          f"p99/p50 {pct(lat, .99) / pct(lat, .5):.2f}")
    slow = sorted(range(len(lat)), key=lambda k: -lat[k])[:8]
    print("  slowest saves (index: ms): " + ", ".join(f"{k}: {lat[k] * 1000:.0f}" for k in sorted(slow)))
    print(f"  sha256 of the same {size / 1e6:.1f} MB in-process (python hashlib/OpenSSL): {ms(inproc_hash)}")
    return pct(lat, .5)


def bench_export_25mb():
    """GET …/export of a 25 MB state, plain and with gzip negotiated (as the
    CLI asks); the inflated gzip body must equal the plain one byte for byte."""
    import gzip
    stack = "export25"
    path = new_stack(stack)
    uid, lease = new_update(path)
    text = deployment(stack, [resource(stack, i, pad=2050) for i in range(5000)])
    call("PATCH", f"{path}/update/{uid}/checkpointverbatim",
         '{"version":3,"untypedDeployment":' + text + ',"sequenceNumber":1}', lease)
    call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}', lease)

    def get(gz):
        headers = {"Authorization": f"token {TOKEN}", "Accept": "application/vnd.pulumi+8",
                   "Content-Type": "application/json"}
        if gz:
            headers["Accept-Encoding"] = "gzip"
        t0 = time.perf_counter()
        conn.request("GET", f"{path}/export", headers=headers)
        r = conn.getresponse()
        payload = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            raise SystemExit(f"export: {r.status} {payload[:300]!r}")
        return payload, r.getheader("Content-Encoding"), dt

    plain, _, _ = get(False)
    for gz in (False, True):
        lat = []
        wire = 0
        for _ in range(ROUNDS):
            payload, enc, dt = get(gz)
            lat.append(dt)
            wire = len(payload)
            if gz:
                assert enc == "gzip", enc
                if gzip.decompress(payload) != plain:
                    raise SystemExit("export: gzip body does not inflate to the plain body")
            elif payload != plain:
                raise SystemExit("export: plain body changed between requests")
        print(f"GET export {len(plain) / 1e6:.1f} MB, {'gzip' if gz else 'identity'} "
              f"({wire / 1e6:.2f} MB on the wire), {ROUNDS} gets: p50 {ms(pct(lat, .5))}  "
              f"p90 {ms(pct(lat, .9))}  max {ms(max(lat))}")


def bench_full(stack, resources, pad, label):
    path = new_stack(stack)
    uid, lease = new_update(path)
    res = [resource(stack, i, pad=pad) for i in range(resources)]
    lat = []
    size = 0
    for k in range(ROUNDS):
        dep = deployment(stack, res, seconds=k)[len('{"version":3,"deployment":'):-1]
        size = len(dep)
        body = '{"isInvalid":false,"version":3,"deployment":' + dep + "}"
        _, dt = call("PATCH", f"{path}/update/{uid}/checkpoint", body, lease)
        lat.append(dt)
    call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}', lease)
    print(f"full PATCH {label} ({size / 1e3:.0f} KB deployment, {resources} resources, {ROUNDS} saves): "
          f"p50 {ms(pct(lat, .5))}  p90 {ms(pct(lat, .9))}  max {ms(max(lat))}")


def bench_up_1000():
    stack = "up1000"
    path = new_stack(stack)
    # The preview, as `pulumi up` does first.
    call("GET", f"{path}/export")
    io0, du0 = proc_io(), du(DATA)
    t0 = time.perf_counter()
    upd, _ = call("POST", f"{path}/update", json.dumps(
        {"name": "bench", "runtime": "nodejs", "main": "", "description": "",
         "options": {"dryRun": False}, "config": {}, "metadata": {"message": "", "environment": {}}}))
    uid = upd["updateID"]
    started, _ = call("POST", f"{path}/update/{uid}", "{}")
    lease = "update-token " + started["token"]
    res = []
    text = None
    seq = 0
    verbatim = deltas = 0
    lat = []

    written = {"verbatim": 0, "delta": 0}
    sizes = {"verbatim": 0, "delta": 0, "delta_body": 0}

    def save(new_text):
        before = proc_io()["wchar"]
        kind = save_one(new_text)
        written[kind] += proc_io()["wchar"] - before

    def save_one(new_text):
        nonlocal text, seq, verbatim, deltas
        seq += 1
        if text is None or len(text) < CUTOFF or len(new_text) < CUTOFF:
            body = '{"version":3,"untypedDeployment":' + new_text + ',"sequenceNumber":%d}' % seq
            _, dt = call("PATCH", f"{path}/update/{uid}/checkpointverbatim", body, lease)
            sizes["verbatim"] += len(new_text)
            verbatim += 1
            kind = "verbatim"
        else:
            body = json.dumps({"version": 3,
                               "checkpointHash": hashlib.sha256(new_text.encode()).hexdigest(),
                               "sequenceNumber": seq,
                               "deploymentDelta": header_and_body_edits(text, new_text)},
                              separators=(",", ":"))
            _, dt = call("PATCH", f"{path}/update/{uid}/checkpointdelta", body, lease)
            sizes["delta"] += len(new_text)
            sizes["delta_body"] += len(body)
            deltas += 1
            kind = "delta"
        lat.append(dt)
        text = new_text
        return kind

    for i in range(1000):
        r = resource(stack, i, pad=500)
        # begin step: a pending "creating" operation; end step: the resource.
        save(deployment(stack, res, seconds=i, pending='{"resource":' + r + ',"type":"creating"}'))
        res.append(r)
        save(deployment(stack, res, seconds=i))
    save(text)  # the final save when the run closes
    call("POST", f"{path}/update/{uid}/complete", '{"status":"succeeded"}', lease)
    total = time.perf_counter() - t0
    time.sleep(0.5)
    io1, du1 = proc_io(), du(DATA)
    n = verbatim + deltas
    print(f"replayed `pulumi up`, 1000 resources, final state {len(text) / 1e6:.2f} MB: "
          f"{n} checkpoints ({verbatim} verbatim below the 1 MB cutoff, {deltas} delta)")
    print(f"  total wall {total:.2f} s (client-observed, sequential), server CPU "
          f"{io1['cpu'] - io0['cpu']:.2f} s; per checkpoint p50 {ms(pct(lat, .5))} p90 {ms(pct(lat, .9))}")
    print(f"  server write() bytes (wchar) {(io1['wchar'] - io0['wchar']) / 1e6:.1f} MB = "
          f"{(io1['wchar'] - io0['wchar']) / n / 1e3:.1f} KB/checkpoint; block write_bytes "
          f"{(io1['write_bytes'] - io0['write_bytes']) / 1e6:.1f} MB = "
          f"{(io1['write_bytes'] - io0['write_bytes']) / n / 1e3:.1f} KB/checkpoint; "
          f"data dir growth {(du1 - du0) / 1e6:.1f} MB")
    print(f"  wchar by form: verbatim {written['verbatim'] / max(verbatim, 1) / 1e3:.1f} KB/save "
          f"(mean text {sizes['verbatim'] / max(verbatim, 1) / 1e3:.0f} KB), "
          f"delta {written['delta'] / max(deltas, 1) / 1e3:.1f} KB/save "
          f"(mean text {sizes['delta'] / max(deltas, 1) / 1e3:.0f} KB, "
          f"mean request {sizes['delta_body'] / max(deltas, 1) / 1e3:.1f} KB)")


PARTS = os.environ.get("BENCH_PARTS", "full,delta,export,up").split(",")
if "full" in PARTS:
    bench_full("full466k", 400, 105, "~466 KB")
    bench_full("full25m", 5000, 2050, "~25 MB")
if "delta" in PARTS:
    bench_delta_25mb()
if "export" in PARTS:
    bench_export_25mb()
if "up" in PARTS:
    bench_up_1000()
