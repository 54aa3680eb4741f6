#!/usr/bin/env python3
"""The web console in a real browser (headless Chromium through Selenium),
against the real server binary on a free port with a fresh SQLite data
directory (or a fresh PostgreSQL database when STATEHOUSE_TEST_BACKEND is
postgres and STATEHOUSE_TEST_PG_FILE names the test cluster).

Usage: console_browser_test.py STATEHOUSE_BINARY SCREENSHOT_DIR
Run by ctest (console_browser). Screenshots of each page land in
SCREENSHOT_DIR. Exits 77 (ctest: skipped) when chromium, chromedriver or
selenium is missing.
"""
import http.server
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/statehouse"
SHOTS = sys.argv[2] if len(sys.argv) > 2 else "build/console-screenshots"
SKIP = 77

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("skipped: python3-selenium is not installed (scripts/install-deps)")
    sys.exit(SKIP)

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not CHROMIUM or not os.path.exists(DRIVER):
    print("skipped: chromium or chromium-driver is not installed (scripts/install-deps)")
    sys.exit(SKIP)

XSS_TAG = '<img src=x onerror="window.__xss=1">'
XSS_OUTPUT = '<script>window.__xss=2</script><b>bold?</b>'
SECRET_SIG = "4dabf18193072939515e22adb298388d"


UPDATE_BODY = {
    "name": "web", "runtime": "nodejs", "main": "", "description": "",
    "options": {"localPolicyPackPaths": [], "color": "raw", "dryRun": False, "parallel": 8,
                "showConfig": False, "showReplacementSteps": False, "showNames": False,
                "summary": False, "debug": False},
    "config": {}, "metadata": {"message": "browser test", "environment": {"exec.kind": "cli"}},
}


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="statehouse-browser-")
        self.token = "pul-" + secrets.token_hex(20)
        args = [BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.dir,
                "--bootstrap-token", self.token, "--no-access-log"]
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        self.log = []
        deadline = time.time() + 30
        self.url = None
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        if not self.url:
            self.stop()
            raise RuntimeError("server did not start:\n" + "".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def api(self, method, path, body=None, token=None, authorization=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", authorization or "token " + (token or self.token))
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                text = r.read().decode()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def deployment(project, stack, resources=0):
    stack_urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    res = [{
        "urn": stack_urn, "type": "pulumi:pulumi:Stack", "custom": False,
        "outputs": {
            "endpoint": "https://example.com/api",
            "dbPassword": {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270",
                           "ciphertext": "v1:c2VjcmV0LWNpcGhlcnRleHQ="},
            "banner": XSS_OUTPUT,
        },
    }]
    for i in range(resources):
        res.append({
            "urn": f"urn:pulumi:{stack}::{project}::random:index/randomPet:RandomPet::pet-{i}",
            "type": "random:index/randomPet:RandomPet", "custom": True, "id": f"pet-id-{i}",
            "parent": stack_urn, "inputs": {"length": 2}, "outputs": {"id": f"pet-id-{i}"},
        })
    return {"version": 3, "deployment": {
        "manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": ""},
        "resources": res}}


class ConsoleBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.server = Server()
        s = cls.server
        status, body = s.api("POST", "/api/stacks/admin/web", {
            "stackName": "dev", "tags": {"pulumi:project": "web", "owner": XSS_TAG}})
        assert status == 200, (status, body)
        status, body = s.api("POST", "/api/stacks/admin/web/dev/import", deployment("web", "dev", 25))
        assert status == 200, (status, body)
        status, body = s.api("POST", "/api/stacks/admin/api", {"stackName": "prod"})
        assert status == 200, (status, body)
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.driver = webdriver.Chrome(service=Service(DRIVER), options=options)
        cls.wait = WebDriverWait(cls.driver, 20)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.driver.quit()
        finally:
            cls.server.stop()

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(SHOTS, name + ".png"))

    def sign_in(self):
        d = self.driver
        d.get(self.server.url + "/")
        d.delete_all_cookies()  # each test starts signed out
        d.get(self.server.url + "/")
        field = self.wait.until(EC.presence_of_element_located((By.ID, "token")))
        self.shot("01-sign-in")
        field.send_keys(self.server.token)
        d.find_element(By.ID, "sign-in").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "sign-out")))

    def test_console(self):
        d = self.driver
        self.sign_in()
        # No token anywhere the page can read it.
        self.assertEqual(d.execute_script("return window.localStorage.length"), 0)
        self.assertEqual(d.execute_script("return window.sessionStorage.length"), 0)
        self.assertNotIn("statehouse_session", d.execute_script("return document.cookie"))
        self.assertNotIn(self.server.token, d.current_url)

        # Stack list, grouped by project, with tags (the XSS one as text).
        self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "tr.stack-row")))
        self.wait.until(lambda _: XSS_TAG in d.find_element(By.TAG_NAME, "main").text)
        headings = [h.text for h in d.find_elements(By.CSS_SELECTOR, "section.project h2")]
        self.assertEqual(headings, ["admin/api", "admin/web"])
        self.assertEqual(d.execute_script("return window.__xss"), None)
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "main img"), [])
        self.shot("02-stacks")
        filt = d.find_element(By.ID, "stack-filter")
        filt.send_keys("prod")
        self.wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "tr.stack-row")) == 1)
        filt.clear()

        # A stack: outputs with the secret masked and the XSS output inert.
        d.get(self.server.url + "/admin/web/dev")
        outputs = self.wait.until(EC.presence_of_element_located((By.ID, "outputs")))
        self.wait.until(lambda _: "dbPassword" in outputs.text)
        text = outputs.text
        self.assertIn("[secret]", text)
        self.assertNotIn("c2VjcmV0LWNpcGhlcnRleHQ", d.page_source)
        self.assertIn(XSS_OUTPUT, text)
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "#outputs script, #outputs b"), [])
        self.assertIn(XSS_TAG, d.find_element(By.ID, "stack-tags").text)
        self.assertEqual(d.execute_script("return window.__xss"), None)
        # Tags are editable; a value with markup stays text.
        d.find_element(By.ID, "tag-name").send_keys("team")
        d.find_element(By.ID, "tag-value").send_keys("<u>platform</u>")
        d.find_element(By.ID, "tag-add").click()
        tags = lambda: d.find_element(By.ID, "stack-tags").text
        self.wait.until(lambda _: "team: <u>platform</u>" in tags())
        self.shot("03-stack-outputs")
        status, stack = self.server.api("GET", "/api/stacks/admin/web/dev")
        self.assertEqual(stack["tags"].get("team"), "<u>platform</u>")
        d.find_element(By.CSS_SELECTOR, "button[aria-label='Remove tag team']").click()
        self.wait.until(lambda _: "team:" not in tags())
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "button[aria-label='Remove tag pulumi:project']"), [])
        status, stack = self.server.api("GET", "/api/stacks/admin/web/dev")
        self.assertNotIn("team", stack["tags"])

        d.find_element(By.ID, "tab-resources").click()
        search = self.wait.until(EC.presence_of_element_located((By.ID, "resource-filter")))
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "ul.tree li")), 26)
        search.send_keys("pet-1")
        self.wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "ul.tree li")) == 11)
        d.find_element(By.CSS_SELECTOR, "ul.tree li button").click()
        detail = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "aside.detail")))
        self.assertIn("random:index/randomPet:RandomPet", detail.text)
        self.shot("04-stack-resources")

        d.find_element(By.ID, "tab-history").click()
        link = self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.history a")))
        self.shot("05-stack-history")
        link.click()
        self.wait.until(lambda _: d.find_element(By.ID, "update-result").text == "succeeded")
        self.shot("06-update")

        # A running update: its log shows new events while the page is open.
        s = self.server
        base = "/api/stacks/admin/web/dev"
        status, created = s.api("POST", base + "/update", UPDATE_BODY)
        self.assertEqual(status, 200, created)
        uid = created["updateID"]
        status, started = s.api("POST", f"{base}/update/{uid}", {})
        self.assertEqual(status, 200, started)
        lease = "update-token " + started["token"]
        d.get(f"{s.url}/admin/web/dev/updates/{started['version']}")
        self.wait.until(lambda _: d.find_element(By.ID, "update-result").text == "in-progress")

        def send(seq, event):
            event.update({"sequence": seq, "timestamp": int(time.time())})
            status, body = s.api("POST", f"{base}/update/{uid}/events/batch",
                                 {"events": [event]}, authorization=lease)
            self.assertEqual(status, 200, body)

        log = lambda: d.find_element(By.ID, "event-log").text
        send(0, {"stdoutEvent": {"message": "creating <b>pets</b>\n", "color": "raw"}})
        self.wait.until(lambda _: "creating <b>pets</b>" in log())
        send(1, {"diagnosticEvent": {"message": "quota nearly used\n", "severity": "warning",
                                     "color": "raw"}})
        self.wait.until(lambda _: "quota nearly used" in log())
        self.assertEqual(d.find_elements(By.CSS_SELECTOR, "#event-log b"), [])
        self.shot("06b-update-live")
        status, body = s.api("POST", f"{base}/update/{uid}/complete", {"status": "succeeded"},
                             authorization=lease)
        self.assertLess(status, 300, body)
        self.wait.until(lambda _: d.find_element(By.ID, "update-result").text == "succeeded")

        # Tokens: create, see it once, delete it.
        d.get(self.server.url + "/user/settings/tokens")
        self.wait.until(EC.presence_of_element_located((By.ID, "token-description"))).send_keys(
            "browser <i>test</i>")
        d.find_element(By.ID, "create-token").click()
        value = self.wait.until(EC.presence_of_element_located((By.ID, "new-token")))
        self.assertTrue(re.fullmatch(r"pul-[0-9a-f]{40}", value.get_attribute("value")))
        self.wait.until(lambda _: "browser <i>test</i>" in d.find_element(By.TAG_NAME, "table").text)
        self.shot("07-tokens")
        status, _ = self.server.api("GET", "/api/user", token=value.get_attribute("value"))
        self.assertEqual(status, 200)

        # CSRF: the page's own session cannot change state without the token.
        result = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/api/user/tokens', {method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({description: 'csrf', expires: 0})})
              .then(r => done(r.status), e => done(String(e)));
        """)
        self.assertEqual(result, 403)

        # Sign out: the session is gone for the server as well.
        d.find_element(By.ID, "sign-out").click()
        self.wait.until(EC.presence_of_element_located((By.ID, "token")))
        result = d.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/api/user', {credentials: 'same-origin'}).then(r => done(r.status));
        """)
        self.assertEqual(result, 401)
        self.shot("08-signed-out")

        severe = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"
                  and "401" not in e.get("message", "") and "403" not in e.get("message", "")]
        self.assertEqual(severe, [], "console errors (CSP violations show here)")


    def test_cli_login(self):
        # The browser half of `pulumi login`, against a listener that does
        # what the CLI's does: check the nonce, take the token, redirect to
        # the console's /welcome/cli.
        s, d = self.server, self.driver
        nonce = secrets.token_hex(32)
        received = {}

        class Listener(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                if q.get("nonce") != [nonce] or not q.get("accessToken"):
                    self.send_response(400)
                    self.end_headers()
                    return
                received["token"] = q["accessToken"][0]
                self.send_response(307)
                self.send_header("Location", s.url + "/welcome/cli")
                self.end_headers()

            def log_message(self, *args):
                pass

        listener = http.server.HTTPServer(("127.0.0.1", 0), Listener)
        threading.Thread(target=listener.serve_forever, daemon=True).start()
        try:
            self.sign_in()
            q = urllib.parse.urlencode({
                "cliSessionPort": listener.server_address[1], "cliSessionNonce": nonce,
                "cliSessionDescription": "Generated by pulumi login on <b>laptop</b>"})
            d.get(f"{s.url}/cli-login?{q}")
            button = self.wait.until(EC.presence_of_element_located((By.ID, "cli-authorize")))
            self.assertEqual(d.find_element(By.ID, "cli-description").text,
                             "Generated by pulumi login on <b>laptop</b>")
            self.assertEqual(received, {})  # nothing handed over before the confirmation
            self.shot("10-cli-login")
            button.click()
            self.wait.until(EC.presence_of_element_located((By.ID, "welcome-cli")))
            self.assertEqual(d.current_url, s.url + "/welcome/cli")
            self.shot("11-cli-welcome")
        finally:
            listener.shutdown()
            listener.server_close()
        token = received.get("token", "")
        self.assertTrue(re.fullmatch(r"pul-[0-9a-f]{40}", token), token)
        status, me = s.api("GET", "/api/user", token=token)
        self.assertEqual(status, 200)
        self.assertEqual(me["githubLogin"], "admin")
        status, tokens = s.api("GET", "/api/user/tokens")
        self.assertIn("Generated by pulumi login on <b>laptop</b>",
                      [t["description"] for t in tokens["tokens"]])

    def test_large_stack(self):
        # A stack of 5,000 resources: open it, list its resources, find one.
        # The time is printed (and written beside the screenshots), not
        # asserted: a functional test makes no wall-clock claims.
        s, d = self.server, self.driver
        status, body = s.api("POST", "/api/stacks/admin/big", {"stackName": "dev"})
        self.assertEqual(status, 200, body)
        status, body = s.api("POST", "/api/stacks/admin/big/dev/import", deployment("big", "dev", 5000))
        self.assertEqual(status, 200, body)
        self.sign_in()
        start = time.monotonic()
        d.get(s.url + "/admin/big/dev")
        self.wait.until(EC.presence_of_element_located((By.ID, "tab-resources")))
        self.wait.until(lambda _: "5001" in d.find_element(By.ID, "tab-resources").text)
        d.find_element(By.ID, "tab-resources").click()
        self.wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "ul.tree li")) == 200)
        opened = time.monotonic() - start
        d.find_element(By.ID, "resource-filter").send_keys("pet-4999")
        self.wait.until(lambda _: len(d.find_elements(By.CSS_SELECTOR, "ul.tree li")) == 1)
        searched = time.monotonic() - start
        self.shot("09-large-stack")
        line = (f"5,000-resource stack on loopback: resources listed {opened:.2f} s after "
                f"navigation, search answered {searched:.2f} s after navigation\n")
        print(line, end="")
        with open(os.path.join(SHOTS, "large-stack-timing.txt"), "w") as fh:
            fh.write(line)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
