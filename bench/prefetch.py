#!/usr/bin/env python3
"""Writes a CDS Hooks request with the full prefetch, filled the way an EHR fills it.

The templates come from the service's own discovery entry (GET /cds-services), so the benchmark follows whatever
the content declares; each template is filled with the context and answered by adhdkb's own /fhir.

    prefetch.py BASE SERVICE_ID CONTEXT_JSON_FILE > request.json
CONTEXT_JSON_FILE holds {"hook":..., "hookInstance":..., "context":{...}}.
"""
import json
import re
import sys
import urllib.request


def get(url):
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"})) as response:
        return json.load(response)


def main():
    base, service_id, context_file = sys.argv[1:4]
    request = json.load(open(context_file))
    services = get(base + "/cds-services")["services"]
    service = next(s for s in services if s["id"] == service_id)
    context = request["context"]
    prefetch = {}
    for key, template in service.get("prefetch", {}).items():
        query = re.sub(r"\{\{context\.(\w+)\}\}", lambda m: str(context[m.group(1)]), template)
        prefetch[key] = get(base + "/fhir/" + query.replace("|", "%7C"))
    request["prefetch"] = prefetch
    json.dump(request, sys.stdout)


if __name__ == "__main__":
    main()
