#!/usr/bin/env python3
"""Where start-up time goes: reads Spring's /actuator/startup (server started with -Dadhdkb.startup-trace=true)
and prints the slowest bean instantiations by their own time (children subtracted)."""
import json
import re
import sys
import urllib.request
from datetime import datetime

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/actuator/startup"
events = json.load(urllib.request.urlopen(urllib.request.Request(url, method="GET")))["timeline"]["events"]


def seconds(duration):  # ISO-8601 "PT1.234S", "PT1M11.25S", "PT0.5S"
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?", duration)
    if not m:
        return 0.0
    h, mins, secs = m.groups()
    return int(h or 0) * 3600 + int(mins or 0) * 60 + float(secs or 0)


by_id = {e["startupStep"]["id"]: e for e in events}
own = {step_id: seconds(e["duration"]) for step_id, e in by_id.items()}
for e in events:
    parent = e["startupStep"].get("parentId")
    if parent in own:
        own[parent] -= seconds(e["duration"])


def label(e):
    tags = {t["key"]: t["value"] for t in e["startupStep"].get("tags", [])}
    return e["startupStep"]["name"] + " " + tags.get("beanName", tags.get("beanType", ""))


top = sorted(by_id.items(), key=lambda item: own[item[0]], reverse=True)[:int(sys.argv[2]) if len(sys.argv) > 2 else 25]
total = sum(max(v, 0) for v in own.values())
print(f"{'own s':>7}  step   (sum of own times {total:.1f} s)")
for step_id, e in top:
    print(f"{own[step_id]:7.2f}  {label(e)[:110]}")
