#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from bodies and requests used
by the unit and integration tests. Run from anywhere; rewrites the seeds."""
import gzip, json, os, shutil, zlib

here = os.path.dirname(os.path.abspath(__file__))

def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

for target in ("http_request", "gzip_inflate", "delta", "deployment_inspect", "json_body", "journal_replay"):
    shutil.rmtree(os.path.join(here, "corpus", target), ignore_errors=True)

deployment = ('{"version":3,"deployment":{"manifest":{"time":"2026-08-21T10:00:00Z","magic":"m",'
              '"version":"v3.200.0"},"metadata":{},"resources":[{"urn":"u0","custom":false,'
              '"type":"pulumi:pulumi:Stack"},{"urn":"u1","custom":true,"id":"a","type":"t:b:C"}]}}')

# http_request: raw requests as the CLI and the tests send them.
token = "Authorization: token pul-0123456789abcdef0123456789abcdef01234567\r\n"
def req(method, target, body=b"", extra=""):
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{token}{extra}"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body
write("http_request", "get-user", req("GET", "/api/user"))
write("http_request", "list-stacks", req("GET", "/api/user/stacks?organization=acme&tagName=env&maxResults=10"))
write("http_request", "create-stack", req("POST", "/api/stacks/acme/web", b'{"stackName":"dev","tags":{"a":"b"}}'))
write("http_request", "head-project", req("HEAD", "/api/stacks/acme/web"))
write("http_request", "rename", req("POST", "/api/stacks/acme/web/dev/rename", b'{"newName":"prod"}'))
write("http_request", "checkpoint-gzip", req("PATCH", "/api/stacks/acme/web/dev/update/0b5e/checkpoint",
      gzip.compress(b'{"version":3,"deployment":{}}'), "Content-Encoding: gzip\r\n"))
write("http_request", "chunked", b"POST /api/stacks/acme/web/dev/update/u1/events/batch HTTP/1.1\r\nHost: x\r\n"
      b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"eve\r\n8\r\nnts\":[]}\r\n0\r\n\r\n")
write("http_request", "service-item", req("DELETE", "/api/orgs/acme/services/user/alice/svc/items/stack/web%2Fdev"))
write("http_request", "percent", req("GET", "/api/stacks/ac%6De/w%2Fb/dev/updates/latest?output-type=service"))
write("http_request", "expect", req("POST", "/api/stacks/acme/web/dev/encrypt", b'{"plaintext":"aGk="}',
      "Expect: 100-continue\r\nAccept-Encoding: gzip\r\n"))
write("http_request", "http10", b"GET /healthz HTTP/1.0\r\n\r\n")
write("http_request", "pipelined", req("GET", "/metrics") + req("GET", "/api/capabilities"))

# gzip_inflate: gzip and zlib streams, one truncated, one bomb-like.
write("gzip_inflate", "gzip-state", gzip.compress(deployment.encode()))
write("gzip_inflate", "zlib", zlib.compress(b'{"events":[]}'))
write("gzip_inflate", "truncated", gzip.compress(deployment.encode())[:-9])
write("gzip_inflate", "zeros", gzip.compress(b"\0" * 200000, 9))
write("gzip_inflate", "two-members", gzip.compress(b"a") + gzip.compress(b"b"))

# delta: "<base>\0<deploymentDelta>" (delta_test.cc).
edits = ('[{"Span":{"uri":"","start":{"line":1,"column":1,"offset":0},"end":{"line":1,"column":1,"offset":130}},'
         '"NewText":"{\\"version\\":3,\\"deployment\\":{\\"manifest\\":{\\"time\\":\\"2026-08-21T10:00:05Z\\",'
         '\\"magic\\":\\"m\\",\\"version\\":\\"v3.200.0\\"},\\"metadata\\":{},\\"resources\\":["},'
         '{"Span":{"uri":"","start":{"line":1,"column":1,"offset":187},"end":{"line":1,"column":1,"offset":237}},'
         '"NewText":"{\\"urn\\":\\"u1\\",\\"custom\\":true,\\"id\\":\\"b\\",\\"type\\":\\"t:b:C\\"}"}]')
write("delta", "cli-delta", deployment + "\0" + edits)
write("delta", "insert", "abc\0" + '[{"Span":{"start":{"offset":1},"end":{"offset":1}},"NewText":"xyz"}]')
write("delta", "empty", "abc\0[]")
write("delta", "negative", "abc\0" + '[{"Span":{"start":{"offset":-1},"end":{"offset":0}},"NewText":""}]')
write("delta", "unicode", "h\u00e9llo\0" + '[{"Span":{"start":{"offset":1},"end":{"offset":3}},"NewText":"\\u00e8\\ud83d\\ude00"}]')

# deployment_inspect (deployment_test.cc).
write("deployment_inspect", "state", deployment)
write("deployment_inspect", "no-resources", '{"version":3,"deployment":{"manifest":{}}}')
write("deployment_inspect", "null-resources", '{"version":3,"deployment":{"resources":null}}')
write("deployment_inspect", "raw-field", '{"stackName":"dev","state":{ "version" : 3,"deployment":{"a":  [1,2.50, "\\u003c"]} } ,"x":1}')
write("deployment_inspect", "bad-version", '{"version":0,"deployment":{}}')

# json_body: request bodies of every route that takes one.
bodies = {
    "create-stack": {"stackName": "dev", "tags": {"pulumi:project": "web"}, "teams": ["ops"], "state": json.loads(deployment)},
    "rename": {"newName": "prod", "newProject": "api"},
    "transfer": {"toOrg": "acme"},
    "tag": {"name": "env", "value": "prod"},
    "admin-user": {"login": "alice", "name": "Alice", "email": "alice@example.com"},
    "admin-org": {"name": "acme", "admin": "alice"},
    "member": {"role": "admin"},
    "org-settings": {"defaultStackPermission": 101},
    "team": {"name": "ops", "displayName": "Ops", "description": "d"},
    "team-patch": {"memberAction": {"action": "add", "member": "bob"},
                   "addStackPermission": {"projectName": "web", "stackName": "dev", "permission": 102}},
    "token": {"description": "ci", "expires": 0},
    "encrypt": {"plaintext": "aGVsbG8="},
    "batch-decrypt": {"ciphertexts": ["djE6YWJj", "djE6ZGVm"]},
    "webhook": {"organizationName": "acme", "displayName": "hook", "payloadUrl": "https://example.com/h",
                "active": True, "format": "slack", "filters": ["stack_created"], "groups": ["stacks"], "secret": "s"},
    "service": {"ownerType": "user", "ownerName": "alice", "name": "svc", "description": "d",
                "items": [{"type": "stack", "name": "web/dev"}], "properties": [{"key": "k", "value": "v"}]},
    "update": {"name": "web", "runtime": "nodejs", "main": "", "description": "", "options": {"dryRun": True},
               "config": {"aws:region": {"string": "us-east-1", "secret": False}}, "metadata": {"message": "m", "environment": {"a": "b"}}},
    "complete": {"status": "succeeded", "result": {}},
    "checkpoint": {"version": 3, "deployment": json.loads(deployment)["deployment"], "features": {"refreshBeforeUpdate": True}},
    "checkpoint-verbatim": {"version": 3, "untypedDeployment": json.loads(deployment), "sequenceNumber": 2},
    "checkpoint-delta": {"version": 3, "checkpointHash": "ab" * 32, "sequenceNumber": 3, "deploymentDelta": json.loads(edits)},
    "events": {"events": [{"sequence": 1, "timestamp": 1724234400, "resOutputsEvent": {"metadata": {"op": "create", "urn": "u1"}}},
                          {"sequence": 2, "timestamp": 1724234401, "summaryEvent": {"resourceChanges": {"create": 1}}}]},
}
for name, body in bodies.items():
    write("json_body", name, json.dumps(body, separators=(",", ":")))
write("json_body", "escapes", '{"stackName":"d\\u00e9v\\n","tags":{"\\ud83d\\ude00":""},"x":[1e400,-0,1.5e-7]}')

# journal_replay: "<base>\0<batch>\0<batch>…" (no NUL: one batch over an empty
# stack), the entries of shared/spec/journaling.md §9 and of the journal flow
# integration tests (test/integration/journal_flow.h).
S = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"
P = "urn:pulumi:dev::proj::pulumi:providers:random::default_4_16_0"
PREF = P + "::prov-1"
SECRETS = {"type": "service", "state": {"url": "https://pulumi.example.com", "owner": "alice", "project": "proj", "stack": "dev"}}
def urn(name): return "urn:pulumi:dev::proj::random:index/randomPet:RandomPet::" + name
def pet(name, id_, tag, **extra):
    r = {"urn": urn(name), "custom": True, "id": id_, "type": "random:index/randomPet:RandomPet", "parent": S,
         "provider": PREF, "inputs": {"tag": tag}, "outputs": {"id": id_, "tag": tag}}
    r.update(extra)
    return r
def goal(name, tag):
    return {"urn": urn(name), "custom": True, "type": "random:index/randomPet:RandomPet", "parent": S,
            "provider": PREF, "inputs": {"tag": tag}}
stack = {"urn": S, "custom": False, "type": "pulumi:pulumi:Stack"}
prov = {"urn": P, "custom": True, "id": "prov-1", "type": "pulumi:providers:random", "inputs": {"version": "4.16.0"}, "outputs": {"version": "4.16.0"}}
def e(kind, seq, op, ro=None, rn=None, **rest):
    d = {"version": 1, "kind": kind, "sequenceID": seq, "operationID": op, "removeOld": ro, "removeNew": rn}
    d.update(rest)
    return d
def opr(res, t): return {"resource": res, "type": t}
def batch(*entries): return json.dumps({"entries": list(entries)}, separators=(",", ":"))
def untyped(resources, pending=(), **extra):
    d = {"manifest": {"time": "2026-12-03T00:00:00Z", "magic": "", "version": ""}, "secrets_providers": SECRETS,
         "resources": list(resources), "metadata": {}}
    if pending: d["pending_operations"] = list(pending)
    d.update(extra)
    return json.dumps({"version": 3, "deployment": d}, separators=(",", ":"))
def seed(name, base, *batches):
    parts = ([base] if base is not None else []) + list(batches)
    write("journal_replay", name, "\0".join(parts))

a, c, d = pet("a", "a-1", "a1"), pet("c", "c-1", "c1"), pet("d", "d-1", "d1")
b = pet("b", "b-1", "b1", dependencies=[urn("a")])
s1 = dict(stack, outputs={"petName": "v1"})
seed("first-up", None, batch(e(6, 1, 0, secretsProvider=SECRETS), e(0, 2, 1, operation=opr(stack, "creating")),
     e(1, 3, 1, state=stack), e(0, 4, 2, operation=opr(prov, "creating")), e(1, 5, 2, state=prov),
     e(0, 6, 3, operation=opr(goal("a", "a1"), "creating")), e(1, 7, 3, state=a), e(4, 8, 4, rn=1, state=s1)))
seed("first-up-out-of-order", untyped([]), batch(e(6, 1, 0, secretsProvider=SECRETS)),
     batch(e(1, 9, 4, state=c)), batch(e(0, 7, 4, operation=opr(goal("c", "c1"), "creating")), e(0, 6, 3)),
     batch(e(1, 8, 3, state=a), e(1, 8, 3, state=d)), batch(e(1, 3, 1, state=stack)))
base2 = untyped([s1, prov, a, c, d, b])
a2, c2, b2 = pet("a", "a-1", "a2"), pet("c", "c-2", "c1"), pet("b", "b-2", "b2", dependencies=[urn("a"), urn("c")])
seed("replacements", base2,
     batch(e(6, 1, 0, secretsProvider=SECRETS), e(0, 2, 1), e(1, 3, 1, 0, state=s1), e(0, 4, 2), e(1, 5, 2, 1, state=prov)),
     batch(e(0, 6, 3, operation=opr(a2, "updating")), e(1, 7, 3, 2, state=a2), e(0, 8, 4, operation=opr(goal("c", "c1"), "creating"))),
     batch(e(1, 9, 4, deleteOld=3, state=c2), e(0, 10, 6, operation=opr(b, "deleting")), e(1, 11, 6, pendingReplacementOld=5)),
     batch(e(0, 12, 7, operation=opr(goal("b", "b2"), "creating")), e(1, 13, 7, 5, state=b2), e(1, 15, 9, 4), e(1, 17, 10, 3)),
     batch(e(4, 18, 11, rn=1, state=dict(stack, outputs={"petName": "v2"})), e(1, 19, 12, deleteNew=4, pendingReplacementNew=3)))
base3 = untyped([s1, prov, a2, c2, b2])
seed("refresh", base3, batch(e(6, 1, 0, secretsProvider=SECRETS), *[e(0, i + 2, i + 1) for i in range(5)]),
     batch(e(3, 7, 1, 0, state=s1, isRefresh=True), e(3, 8, 2, 1, state=prov, isRefresh=True),
           e(3, 9, 3, 2, state=dict(a2, outputs={"drift": True}), isRefresh=True)),
     batch(e(3, 10, 4, 3, isRefresh=True), e(3, 11, 5, 4, state=b2, isRefresh=True), e(7, 12, 0)),
     batch(e(0, 13, 6), e(1, 14, 6, 0, state=s1), e(1, 15, 7, 2, state=pet("x", "x-2", "x", replaceWith=[urn("c")]))))
seed("failures-cancel", untyped([s1, prov, a2], [opr(goal("f", "f1"), "creating"), opr(a2, "updating")]),
     batch(e(6, 1, 0, secretsProvider=SECRETS), e(0, 2, 3, operation=opr(a2, "updating")), e(2, 3, 3, 2, state=a2, deleteOld=1)),
     batch(e(0, 4, 4, operation=opr(goal("e", "e1"), "importing")), e(2, 5, 4, state=pet("e", "e-1", "e1")), e(0, 6, 5, operation=opr(goal("g", "g1"), "reading"))))
old_c = "urn:pulumi:dev::proj::my:comp:Old::c"
seed("write-aliases-snippets", untyped([stack, pet("k", "k-1", "k", parent=old_c), {"urn": old_c, "custom": False, "type": "my:comp:Old", "parent": S}],
                                       extensions={"base-ref": "QUJD"}),
     batch(e(6, 1, 0, secretsProvider={"type": "passphrase", "state": {"salt": "v1:abc"}}),
           e(5, 2, 0, newSnapshot={"manifest": {"time": "2019-01-01T00:00:00Z", "magic": "", "version": ""},
                                   "resources": [prov, stack, {"urn": old_c, "custom": False, "type": "my:comp:Old", "parent": S},
                                                 pet("k", "k-1", "k", parent=old_c)], "metadata": {}})),
     batch(e(1, 3, 1, 2, state={"urn": "urn:pulumi:dev::proj::my:comp:New::c", "custom": False, "type": "my:comp:New",
                                "parent": S, "aliases": [old_c]}),
           e(8, 4, 4, extensionRef="ref-1", extension={"name": "myext", "version": "1.0.0", "value": "SGVsbG8="}),
           e(9, 5, 0, snippets=[{"uuid": "5b0e", "name": "logs", "type": "aws:s3/bucket:Bucket", "code": "x",
                                 "descriptor": {"name": "aws", "version": "7.0.0"}, "references": {"vpc": old_c}}]),
           e(1, 6, 5, state=pet("t", "t-1", "t", taint=True, secret={"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "djE6"}), requiresByteString=True),
           e(42, 7, 0), e(7, 8, 0), e(1, 9, 9, rn=77, deleteNew=78, pendingReplacementNew=79, removeOld=999)))
write("journal_replay", "invalid-then-valid", "\0" + '{"entries":[{"version":2,"kind":1,"sequenceID":1,"operationID":1}]}' + "\0" + '{"entries":null}' + "\0" + batch(e(0, 1, 1)))
# Structured mode of journal_replay: '!', a base variant byte, then 5 bytes per
# entry (0xFF: next batch).
import random
rng = random.Random(12)
for n in range(4):
    body = bytearray(b"!") + bytes([n * 29 % 256])
    for i in range(40):
        body += bytes([rng.randrange(0, 0xFF) for _ in range(5)])
        if i % 7 == 6:
            body.append(0xFF)
    write("journal_replay", "structured-%d" % n, bytes(body))
print("seeds written under", os.path.join(here, "corpus"))
