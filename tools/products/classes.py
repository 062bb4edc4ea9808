"""Reads the VSAC value-set classes of canvas-plugins (S1 v2026, S2 v2022) into work/classes.json: class -> line, OID,
codes with their RxNorm names (the comments) and lines."""
import json, re, sys
def classes(path):
    out = {}; cur = None
    for i, l in enumerate(open(path).read().split('\n'), 1):
        m = re.match(r'class (\w+)\(ValueSet\)', l)
        if m: cur = m.group(1); out[cur] = {'line': i, 'codes': {}}; continue
        m = re.match(r'\s+OID = "(.*)"', l)
        if m and cur: out[cur]['oid'] = m.group(1)
        m = re.match(r'\s+"(\d+)",\s+#\s*(.*)$', l)
        if m and cur: out[cur]['codes'][m.group(1)] = (m.group(2).strip(), i)
    return out
json.dump({'s1': classes('work/s1.py'), 's2': classes('work/s2.py')}, open('work/classes.json', 'w'))
