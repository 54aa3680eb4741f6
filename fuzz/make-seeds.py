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

for target in ("http_request", "gzip_inflate", "delta", "deployment_inspect", "json_body"):
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
print("seeds written under", os.path.join(here, "corpus"))
