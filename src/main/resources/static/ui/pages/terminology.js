import { h, replace, facts, rawJson } from '../dom.js';
import { fhirGet, FHIR_BASE } from '../api.js';
import { listOf, codingView } from '../knowledge.js';
import { systemName } from '../format.js';
import { setQuery } from '../route.js';

function parametersValue(p) {
  const key = Object.keys(p).find((k) => k.startsWith('value'));
  if (!key) return (p.part || []).map((part) => `${part.name}: ${parametersValue(part)}`).join('; ');
  const v = p[key];
  if (key === 'valueCoding') return `${systemName(v.system)} ${v.code}${v.display ? ' ' + v.display : ''}`;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export async function terminologyPage() {
  const [valueSets, codeSystems, conceptMaps] = await Promise.all([
    listOf('ValueSet', 'id,url,title,description'),
    listOf('CodeSystem', 'id,url,title,content'),
    listOf('ConceptMap', 'id,url,title'),
  ]);
  const byTitle = (a, b) => (a.title || a.id).localeCompare(b.title || b.id);
  return {
    title: 'Terminology',
    node: [
      h('h1', null, 'Terminology'),
      h('p', null, h('a', { href: '#/lookup' }, 'Look up a code'), ' · ', h('a', { href: '#/translate' }, 'Translate a code with a concept map')),
      h('section', { class: 'block', 'aria-labelledby': 'value-sets' }, h('h2', { id: 'value-sets' }, 'Value sets'),
        h('ul', { class: 'columns', id: 'valueset-list' }, valueSets.sort(byTitle).map((v) => h('li', null,
          h('a', { href: `#/valueset/${encodeURIComponent(v.id)}` }, v.title || v.id))))),
      h('section', { class: 'block', 'aria-labelledby': 'code-systems' }, h('h2', { id: 'code-systems' }, 'Code systems'),
        h('ul', { class: 'columns' }, codeSystems.sort(byTitle).map((c) => h('li', null,
          h('a', { href: `#/codesystem/${encodeURIComponent(c.id)}` }, c.title || c.id), c.content && c.content !== 'complete' ? h('span', { class: 'muted' }, ` (${c.content})`) : null)))),
      h('section', { class: 'block', 'aria-labelledby': 'concept-maps' }, h('h2', { id: 'concept-maps' }, 'Concept maps'),
        h('ul', null, conceptMaps.sort(byTitle).map((m) => h('li', null,
          h('a', { href: `#/translate?map=${encodeURIComponent(m.id)}` }, m.title || m.id))))),
    ],
  };
}

export async function valueSetPage(id, params) {
  const vs = await fhirGet(`ValueSet/${encodeURIComponent(id)}`);
  const results = h('div', { id: 'expansion', 'aria-live': 'polite' });
  const filter = h('input', { id: 'expand-filter', type: 'search', value: params.get('filter') || '', autocomplete: 'off' });
  async function expand() {
    const f = filter.value.trim();
    const path = `ValueSet/${encodeURIComponent(id)}/$expand${f ? '?filter=' + encodeURIComponent(f) : ''}`;
    setQuery(new URLSearchParams(f ? { filter: f } : {}));
    results.dataset.ready = 'false';
    try {
      const expansion = await fhirGet(path);
      const contains = [];
      const walk = (list, depth) => (list || []).forEach((c) => { contains.push([c, depth]); walk(c.contains, depth + 1); });
      walk(expansion.expansion && expansion.expansion.contains, 0);
      replace(results,
        h('p', { role: 'status' }, `${expansion.expansion.total !== undefined ? expansion.expansion.total : contains.length} codes`,
          f ? ` matching “${f}”` : '', ` (expanded ${String(expansion.expansion.timestamp || '').slice(0, 19).replace('T', ' ')})`),
        h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Expansion' },
          h('table', { class: 'expansion', id: 'expansion-table' },
            h('thead', null, h('tr', null, ['Code', 'Display', 'System'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', null, contains.map(([c, depth]) => h('tr', { dataset: { code: c.code } },
              h('td', null, h('a', { href: `#/lookup?system=${encodeURIComponent(c.system)}&code=${encodeURIComponent(c.code)}`, class: `indent-${Math.min(depth, 4)}` }, h('code', null, c.code))),
              h('td', null, c.display || ''),
              h('td', null, systemName(c.system))))))),
        h('p', null, h('a', { href: new URL(path, FHIR_BASE).href }, 'This expansion as FHIR JSON')));
    } catch (e) {
      replace(results, h('p', { class: 'error', role: 'alert' }, `The expansion failed: ${e.message}`));
    }
    results.dataset.ready = 'true';
  }
  await expand();
  return {
    title: vs.title || vs.id,
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/terminology' }, 'Terminology'), ' › ', vs.title || vs.id),
      h('h1', null, vs.title || vs.id),
      vs.description ? h('p', { class: 'lead' }, vs.description) : null,
      facts([['URL', h('code', null, vs.url)], ['Version', vs.version], ['Status', vs.status],
        ['Definition', (vs.compose && vs.compose.include || []).map((inc) => [systemName(inc.system) || '', (inc.valueSet || []).map((v) => ` value set ${v.split('/').pop()}`).join(','),
          inc.concept ? ` (${inc.concept.length} codes)` : '', (inc.filter || []).map((f) => ` where ${f.property} ${f.op} ${f.value}`).join('')].join('')).join('; ')],
        ['FHIR', h('a', { href: `${FHIR_BASE}ValueSet/${encodeURIComponent(vs.id)}` }, `ValueSet/${vs.id}`)]]),
      h('form', { class: 'filters', role: 'search', on: { submit: (e) => { e.preventDefault(); expand(); } } },
        h('div', { class: 'field' }, h('label', { for: 'expand-filter' }, 'Filter the expansion'), filter),
        h('button', { type: 'submit' }, 'Expand')),
      results,
    ],
  };
}

export async function codeSystemPage(id) {
  const cs = await fhirGet(`CodeSystem/${encodeURIComponent(id)}`);
  const rows = [];
  const walk = (list, depth) => (list || []).forEach((c) => { rows.push([c, depth]); walk(c.concept, depth + 1); });
  walk(cs.concept, 0);
  return {
    title: cs.title || cs.id,
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/terminology' }, 'Terminology'), ' › ', cs.title || cs.id),
      h('h1', null, cs.title || cs.id),
      cs.description ? h('p', { class: 'lead' }, cs.description) : null,
      facts([['URL', h('code', null, cs.url)], ['Content', cs.content], ['Hierarchy', cs.hierarchyMeaning], ['Version', cs.version],
        ['FHIR', h('a', { href: `${FHIR_BASE}CodeSystem/${encodeURIComponent(cs.id)}` }, `CodeSystem/${cs.id}`)]]),
      h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Concepts' },
        h('table', null, h('thead', null, h('tr', null, ['Code', 'Display', 'Definition'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, rows.map(([c, depth]) => h('tr', null,
            h('td', null, h('a', { class: `indent-${Math.min(depth, 4)}`, href: `#/lookup?system=${encodeURIComponent(cs.url)}&code=${encodeURIComponent(c.code)}` }, h('code', null, c.code))),
            h('td', null, c.display || ''), h('td', null, c.definition || '')))))),
    ],
  };
}

export async function lookupPage(params) {
  const codeSystems = await listOf('CodeSystem', 'id,url,title');
  const system = h('select', { id: 'lookup-system', name: 'system' }, codeSystems.sort((a, b) => (a.title || a.id).localeCompare(b.title || b.id))
    .map((c) => h('option', { value: c.url, selected: c.url === params.get('system') }, `${c.title || c.id} (${c.url})`)));
  const code = h('input', { id: 'lookup-code', name: 'code', value: params.get('code') || '', required: true, autocomplete: 'off' });
  const result = h('div', { id: 'lookup-result', 'aria-live': 'polite' });
  async function run() {
    if (!code.value.trim()) return;
    setQuery(new URLSearchParams({ system: system.value, code: code.value.trim() }));
    const path = `CodeSystem/$lookup?system=${encodeURIComponent(system.value)}&code=${encodeURIComponent(code.value.trim())}`;
    try {
      const out = await fhirGet(path);
      const params2 = out.parameter || [];
      replace(result, h('table', { class: 'parameters' }, h('tbody', null, params2.map((p) => h('tr', null,
        h('th', { scope: 'row' }, p.name), h('td', null, parametersValue(p)))))),
      rawJson('Raw response', out));
    } catch (e) {
      replace(result, h('p', { class: 'error', role: 'alert' }, `${e.status || ''} ${e.message}`));
    }
  }
  if (params.get('code')) await run();
  return {
    title: 'Code lookup',
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/terminology' }, 'Terminology'), ' › Lookup'),
      h('h1', null, 'Look up a code'),
      h('form', { class: 'filters', on: { submit: (e) => { e.preventDefault(); run(); } } },
        h('div', { class: 'field' }, h('label', { for: 'lookup-system' }, 'Code system'), system),
        h('div', { class: 'field' }, h('label', { for: 'lookup-code' }, 'Code'), code),
        h('button', { type: 'submit' }, 'Look up')),
      result,
    ],
  };
}

export async function translatePage(params) {
  const maps = await listOf('ConceptMap', 'id,url,title,sourceUri,sourceCanonical,targetUri,targetCanonical,group');
  const map = h('select', { id: 'translate-map' }, maps.map((m) => h('option', { value: m.id, selected: m.id === params.get('map') }, m.title || m.id)));
  const system = h('select', { id: 'translate-system' });
  const code = h('input', { id: 'translate-code', value: params.get('code') || '', autocomplete: 'off', required: true });
  const reverse = h('input', { id: 'translate-reverse', type: 'checkbox', checked: params.get('reverse') === 'true' });
  const result = h('div', { id: 'translate-result', 'aria-live': 'polite' });
  const examples = h('p', { class: 'muted', id: 'translate-examples' });
  function systemsFor() {
    const m = maps.find((x) => x.id === map.value) || {};
    const groups = m.group || [];
    const systems = [...new Set(groups.map((g) => (reverse.checked ? g.target : g.source)).filter(Boolean))];
    replace(system, systems.map((s) => h('option', { value: s, selected: s === params.get('system') }, `${systemName(s)} (${s})`)));
    const sample = groups.flatMap((g) => (g.element || []).map((e) => (reverse.checked ? (e.target || [])[0] && e.target[0].code : e.code))).filter(Boolean).slice(0, 6);
    examples.textContent = sample.length ? `Codes this map has: ${sample.join(', ')}` : '';
  }
  async function run() {
    systemsFor();
    if (!code.value.trim()) return;
    const m = maps.find((x) => x.id === map.value);
    setQuery(new URLSearchParams({ map: map.value, system: system.value, code: code.value.trim(), reverse: String(reverse.checked) }));
    const path = `ConceptMap/$translate?url=${encodeURIComponent(m.url)}&system=${encodeURIComponent(system.value)}&code=${encodeURIComponent(code.value.trim())}${reverse.checked ? '&reverse=true' : ''}`;
    try {
      const out = await fhirGet(path);
      const ok = (out.parameter || []).find((p) => p.name === 'result');
      const matches = (out.parameter || []).filter((p) => p.name === 'match');
      replace(result, h('p', { role: 'status' }, ok && ok.valueBoolean ? `${matches.length} match(es)` : 'No mapping'),
        matches.length ? h('ul', { id: 'translate-matches' }, matches.map((mt) => {
          const eq = (mt.part || []).find((p) => p.name === 'equivalence' || p.name === 'relationship');
          const concept = (mt.part || []).find((p) => p.name === 'concept');
          return h('li', null, eq ? h('span', { class: 'tag' }, eq.valueCode) : null, ' ', concept ? codingView(concept.valueCoding) : '');
        })) : null,
        rawJson('Raw response', out));
    } catch (e) {
      replace(result, h('p', { class: 'error', role: 'alert' }, `${e.status || ''} ${e.message}`));
    }
  }
  map.addEventListener('change', systemsFor);
  reverse.addEventListener('change', systemsFor);
  systemsFor();
  if (params.get('code')) await run();
  return {
    title: 'Translate',
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/terminology' }, 'Terminology'), ' › Translate'),
      h('h1', null, 'Translate a code'),
      h('form', { class: 'filters', on: { submit: (e) => { e.preventDefault(); run(); } } },
        h('div', { class: 'field' }, h('label', { for: 'translate-map' }, 'Concept map'), map),
        h('div', { class: 'field checkbox' }, reverse, h('label', { for: 'translate-reverse' }, 'Reverse (target to source)')),
        h('div', { class: 'field' }, h('label', { for: 'translate-system' }, 'Code system'), system),
        h('div', { class: 'field' }, h('label', { for: 'translate-code' }, 'Code'), code),
        h('button', { type: 'submit' }, 'Translate')),
      examples,
      result,
    ],
  };
}
