#!/usr/bin/env python3
"""How long a medicine page of the knowledge browser takes to be ready, in a real headless Chromium.

Drives Debian's chromedriver over its W3C HTTP protocol (only the Python standard library, so nothing to install):
for each medicine it loads the page as a new document (/#/medicine/ID) and reads the figures the page records when
it is ready (src/main/resources/static/ui/main.js): readyAtMs, from the start of navigation (fetching index.html and
the ES modules, then every FHIR request the page makes, then rendering), and renderMs, from the start of rendering.
The first load of each medicine is reported apart from the repeats (the browser then revalidates its modules with
304s, as a returning user's browser does).

Usage: bench/ui/page-timing.py [BASE_URL] [REPEATS]      (default http://localhost:8080 and 10)
Start the server first, e.g. java -Xmx512m -jar target/adhdkb.jar --server.port=18086. Budget: 300 ms (issue 17).
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080").rstrip("/")
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
BUDGET_MS = 300
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium" if os.path.exists("/usr/lib/chromium/chromium") else "/usr/bin/chromium")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}").get("value")


def medicine_ids():
    url = f"{BASE}/fhir/MedicationKnowledge?_elements=id&_count=200"
    with urllib.request.urlopen(url, timeout=30) as response:
        bundle = json.load(response)
    return sorted(e["resource"]["id"] for e in bundle.get("entry", []))


READY = """
const main = document.getElementById('main');
return main && main.dataset.route === arguments[0] && main.dataset.ready === 'true'
  ? {readyAt: Number(main.dataset.readyAtMs), render: Number(main.dataset.renderMs)} : null;
"""


def load(port, session, medicine):
    route = f"/medicine/{medicine}"
    call(port, "POST", f"/session/{session}/url", {"url": "about:blank"})
    call(port, "POST", f"/session/{session}/url", {"url": f"{BASE}/#{route}"})
    deadline = time.time() + 30
    while time.time() < deadline:
        result = call(port, "POST", f"/session/{session}/execute/sync", {"script": READY, "args": [route]})
        if result:
            return result
        time.sleep(0.01)
    raise TimeoutError(f"{route} was not ready within 30 s")


def main():
    port = free_port()
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                call(port, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]}}}}
        session = call(port, "POST", "/session", caps)["sessionId"]
        try:
            rows = []
            for medicine in medicine_ids():
                first = load(port, session, medicine)
                repeats = [load(port, session, medicine) for _ in range(REPEATS)]
                ready = [r["readyAt"] for r in repeats]
                render = [r["render"] for r in repeats]
                rows.append((medicine, first["readyAt"], statistics.median(ready), max(ready), statistics.median(render)))
            print(f"Medicine page ready, headless Chromium, {BASE}, {REPEATS} repeats after a first load (ms)")
            print()
            print("| medicine | first load | median | max | median render only |")
            print("|---|---:|---:|---:|---:|")
            for medicine, first, median, worst, render in rows:
                print(f"| {medicine} | {first:.0f} | {median:.0f} | {worst:.0f} | {render:.0f} |")
            worst_median = max(r[2] for r in rows)
            print()
            print(f"Slowest median: {worst_median:.0f} ms; budget {BUDGET_MS} ms: {'met' if worst_median <= BUDGET_MS else 'NOT met'}")
        finally:
            call(port, "DELETE", f"/session/{session}")
    finally:
        driver.terminate()
        driver.wait(10)


if __name__ == "__main__":
    main()
