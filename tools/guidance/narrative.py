#!/usr/bin/env python3
"""Writes the narrative (text.div) of guidance resources from their content, so that what a person reads is what the
engine runs: PlanDefinition (steps, triggers, conditions, timing, sources), ActivityDefinition (what it creates, its
code, age range and measurement intervals), ObservationDefinition (thresholds).

  python3 tools/guidance/narrative.py fhir-resources/PlanDefinition/viloxazine-treatment.json ...
  python3 tools/guidance/narrative.py --check FILE...     # only report narratives that differ from the content

Only files named on the command line are touched; the G1-G8 guidance of 2026-11 keeps its hand-written narratives.
"""
import html
import json
import sys

XHTML = 'http://www.w3.org/1999/xhtml'
KINDS = {
    'ServiceRequest': 'a ServiceRequest (an order for the measurement, assessment or referral)',
    'Task': 'a Task for the care team',
    'CommunicationRequest': 'a CommunicationRequest (advice to give the patient or family)',
    'MedicationRequest': 'a MedicationRequest',
}
UNITS = {'mo': 'months', 'wk': 'weeks', 'd': 'days', 'a': 'years', 'h': 'hours', 'min': 'minutes'}


def esc(text):
    return html.escape(str(text), quote=False)


def last(canonical):
    return canonical.rsplit('/', 1)[-1]


def quantity(q):
    unit = q.get('unit') or UNITS.get(q.get('code'), q.get('code', ''))
    value = q['value']
    return f"{q.get('comparator', '')}{value:g} {unit}" if isinstance(value, (int, float)) else f"{value} {unit}"


def age_range(r):
    low, high = r.get('low'), r.get('high')
    if low and high:
        return f"{low['value']:g} to {high['value']:g} years"
    if low:
        return f"{low['value']:g} years and over"
    return f"up to {high['value']:g} years" if high else 'any age'


def sources(resource, labels_only=False):
    arts = [a for a in resource.get('relatedArtifact', []) if a.get('type') in ('documentation', 'citation')]
    if labels_only:
        return ''.join(f"[{esc(a['label'])}]" for a in arts)
    items = ''.join(f"<li><code>{esc(a['label'])}</code>: {esc(a.get('document', {}).get('title') or a.get('display', ''))}</li>"
                    for a in arts)
    return f'<p><b>Sources</b>:</p><ul>{items}</ul>' if items else ''


def when(action):
    parts = []
    timing = action.get('timingTiming', {}).get('repeat', {})
    if timing.get('period'):
        parts.append(f"every {timing['period']:g} {UNITS.get(timing.get('periodUnit'), timing.get('periodUnit'))}")
    if 'boundsRange' in timing:
        b = timing['boundsRange']
        parts.append(f"{b['low']['value']:g} to {quantity(b['high'])}")
    if 'timingDuration' in action:
        parts.append(quantity(action['timingDuration']))
    if 'timingRange' in action:
        r = action['timingRange']
        parts.append(f"{r['low']['value']:g} to {quantity(r['high'])}")
    for related in action.get('relatedAction', []):
        offset = related.get('offsetDuration')
        parts.append(f"{related['relationship']} <code>{esc(related['actionId'])}</code>"
                     + (f" ({quantity(offset)})" if offset else ''))
    return '; '.join(parts)


def plan_action(action):
    out = [f"<li><b>{esc(action.get('title', action['id']))}</b> <code>{esc(action['id'])}</code>."]
    if action.get('description'):
        out.append(' ' + esc(action['description']))
    for trigger in action.get('trigger', []):
        filters = [f.get('valueSet', '') for d in trigger.get('data', []) for f in d.get('codeFilter', [])]
        out.append(f" <i>Fires on</i>: CDS Hooks {esc(trigger.get('name', ''))}"
                   + (f", with a draft order in ValueSet {', '.join(esc(last(v)) for v in filters)}" if filters else '') + '.')
    for condition in action.get('condition', []):
        out.append(f" <i>Applies when</i>: <code>{esc(condition['expression']['expression'])}</code>.")
    for value in action.get('dynamicValue', []):
        out.append(f" <i>Computed</i>: {esc(value['path'])} = <code>{esc(value['expression']['expression'])}</code>.")
    for data in action.get('input', []):
        filters = [last(f['valueSet']) for f in data.get('codeFilter', []) if 'valueSet' in f]
        if filters:
            out.append(f" <i>For</i>: a {esc(data['type'])} in ValueSet {', '.join(esc(f) for f in filters)}.")
    timing = when(action)
    if timing:
        out.append(f" <i>When</i>: {timing}.")
    if action.get('priority'):
        out.append(f" <i>Priority</i>: {esc(action['priority'])}.")
    if action.get('definitionCanonical'):
        kind = action['definitionCanonical'].split('/')[-2]
        out.append(f" <i>Step</i>: {kind} <code>{esc(last(action['definitionCanonical']))}</code>.")
    labels = ''.join(f"[{esc(d['label'])}]" for d in action.get('documentation', []) if d.get('label'))
    if labels:
        out.append(' ' + labels)
    if action.get('action'):
        out.append('<ol>' + ''.join(plan_action(a) for a in action['action']) + '</ol>')
    out.append('</li>')
    return ''.join(out)


def plan(resource):
    kind = resource['type']['coding'][0]['display'].lower()
    out = [f"<p><b>{esc(resource['title'])}</b> (PlanDefinition <code>{esc(resource['id'])}</code>, {esc(kind)})</p>",
           f"<p>{esc(resource['description'])}</p>"]
    if resource.get('usage'):
        out.append(f"<p>{esc(resource['usage'])}</p>")
    for context in resource.get('useContext', []):
        if context['code']['code'] == 'age':
            out.append(f"<p><i>Patients</i>: aged {age_range(context['valueRange'])}.</p>")
    depends = [a for a in resource.get('relatedArtifact', []) if a.get('type') == 'depends-on']
    if depends:
        out.append('<p><i>Depends on</i>: ' + ', '.join(
            f"{esc(a['resource'].split('/')[-2])} <code>{esc(last(a['resource']))}</code>" for a in depends) + '.</p>')
    if resource.get('goal'):
        out.append('<p><b>Goals</b>:</p><ul>' + ''.join(
            f"<li><code>{esc(g['id'])}</code>: {esc(g['description']['text'])}</li>" for g in resource['goal']) + '</ul>')
    out.append('<p><b>Steps</b>, in order:</p><ol>' + ''.join(plan_action(a) for a in resource['action']) + '</ol>')
    out.append(sources(resource))
    return ''.join(out)


def activity(resource):
    rows = [('Creates', f"{KINDS.get(resource['kind'], resource['kind'])}, intent {resource.get('intent', 'proposal')}")]
    code = resource.get('code', {})
    if code.get('coding'):
        c = code['coding'][0]
        rows.append(('Code', f"{esc(last(c['system']))} <code>{esc(c['code'])}</code> {esc(c.get('display', ''))}"))
    elif code.get('text'):
        rows.append(('Code', f"text only: {esc(code['text'])} (no sourced code)"))
    for context in resource.get('useContext', []):
        if context['code']['code'] == 'age':
            rows.append(('Age', esc(age_range(context['valueRange']))))
    for ext in resource.get('extension', []):
        if ext['url'].endswith('/measurement-interval'):
            parts = {e['url']: e for e in ext['extension']}
            rows.append(('Interval', f"every {quantity(parts['interval']['valueDuration'])} at {age_range(parts['age']['valueRange'])}"))
    for reference in resource.get('observationResultRequirement', []):
        rows.append(('Thresholds', f"ObservationDefinition <code>{esc(reference['reference'].split('/')[-1])}</code>"))
    topics = ', '.join(f"<code>{esc(t['coding'][0]['code'])}</code>" for t in resource.get('topic', []))
    if topics:
        rows.append(('Topics', topics))
    table = '<table>' + ''.join(f'<tr><th>{k}</th><td>{v}</td></tr>' for k, v in rows) + '</table>'
    return (f"<p><b>{esc(resource['title'])}</b> (ActivityDefinition <code>{esc(resource['id'])}</code>)</p>"
            f"<p>{esc(resource['description'])}</p>{table}{sources(resource)}")


def observation_definition(resource):
    code = resource['code']['coding'][0]
    rows = []
    for interval in resource.get('qualifiedInterval', []):
        r = interval.get('range', {})
        bound = f"above {quantity(r['low'])}" if 'low' in r and 'high' not in r else \
            f"below {quantity(r['high'])}" if 'high' in r and 'low' not in r else 'range'
        rows.append(f"<tr><td>{esc(interval.get('category', ''))}</td><td>{esc(bound)}</td>"
                    f"<td>{esc(interval.get('condition', ''))}</td></tr>")
    notes = ''.join(f"<p>{esc(e['valueString'])}</p>" for e in resource.get('extension', [])
                    if e['url'].endswith('/statement-source') is False and 'valueString' in e)
    return (f"<p><b>{esc(code.get('display', code['code']))}</b> (ObservationDefinition <code>{esc(resource['id'])}</code>,"
            f" LOINC <code>{esc(code['code'])}</code>)</p>{notes}"
            f"<table><tr><th>Category</th><th>Threshold</th><th>Meaning</th></tr>{''.join(rows)}</table>")


RENDER = {'PlanDefinition': plan, 'ActivityDefinition': activity, 'ObservationDefinition': observation_definition}


def main(args):
    check = '--check' in args
    stale = 0
    for path in [a for a in args if a != '--check']:
        with open(path) as fh:
            resource = json.load(fh)
        div = f'<div xmlns="{XHTML}">{RENDER[resource["resourceType"]](resource)}</div>'
        if resource.get('text', {}).get('div') == div:
            continue
        stale += 1
        if check:
            print(f'stale narrative: {path}')
            continue
        text = {'status': 'generated', 'div': div}
        resource = {k: v for k, v in resource.items() if k != 'text'}
        ordered = {'resourceType': resource.pop('resourceType'), 'id': resource.pop('id'), 'text': text}
        ordered.update(resource)
        with open(path, 'w') as fh:
            json.dump(ordered, fh, indent=2, ensure_ascii=False)
            fh.write('\n')
    return 1 if check and stale else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
