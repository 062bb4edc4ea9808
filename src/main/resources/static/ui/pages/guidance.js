import { h, facts, section, safeLink, uid } from '../dom.js';
import { fhirGet, byCanonical, FHIR_BASE } from '../api.js';
import { listOf, sourceIndex, sourceList, artifactLink } from '../knowledge.js';
import { concept, duration, range, timing, quantity, tail, refType, humanize } from '../format.js';

/** Decodes base64 content as UTF-8 text. */
function decodeBase64(data) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8').decode(bytes);
}

/** The readable sources of a Library (CQL, FHIRPath definitions, ...), skipping compiled ELM. */
export function librarySources(library) {
  return (library.content || []).filter((c) => c.data && !/elm/.test(c.contentType || ''))
    .map((c) => ({ contentType: c.contentType || '', title: c.title || '', text: decodeBase64(c.data) }));
}

/**
 * Named definitions of a library source: CQL `define "Name":` / `define Name:` and adhdkb's FHIRPath `define name:`
 * lines; each runs to the next define (or context) statement.
 */
export function definitions(text) {
  const result = new Map();
  const lines = text.split('\n');
  let current = null;
  const close = () => { if (current) result.set(current.name, current.lines.join('\n').trimEnd()); };
  for (const line of lines) {
    const m = /^\s*define\s+(?:(?:public|private)\s+)?(?:function\s+)?(?:"([^"]+)"|([A-Za-z_][\w]*))/.exec(line);
    if (m) {
      close();
      current = { name: m[1] || m[2], lines: [line] };
    } else if (/^\s*(context|library|using|include|codesystem|valueset|code|parameter)\b/.test(line)) {
      close();
      current = null;
    } else if (current) {
      current.lines.push(line);
    }
  }
  close();
  return result;
}

async function libraryDefinitions(canonicals) {
  const defs = new Map();
  const libraries = await Promise.all((canonicals || []).map((c) => byCanonical('Library', c).catch(() => null)));
  for (const lib of libraries.filter(Boolean)) {
    for (const src of librarySources(lib)) {
      for (const [name, body] of definitions(src.text)) {
        if (!defs.has(name)) defs.set(name, { library: lib, language: src.contentType, body });
      }
    }
  }
  return { defs, libraries: libraries.filter(Boolean) };
}

/** The names an expression refers to in its libraries: a CQL identifier, or %names in FHIRPath. */
function referencedNames(expression) {
  const text = (expression.expression || '').trim();
  if (/cql[-.]identifier/.test(expression.language || '')) {
    const unquoted = text.replace(/^"|"$/g, '');
    return [unquoted.includes('.') && !text.startsWith('"') ? unquoted.split('.').pop().replace(/^"|"$/g, '') : unquoted];
  }
  return [...text.matchAll(/%([A-Za-z_]\w*)/g)].map((m) => m[1]);
}

function expressionView(expression, defs, kindLabel) {
  if (!expression) return null;
  const names = referencedNames(expression).filter((n) => defs.has(n));
  return h('div', { class: 'expression' },
    kindLabel ? h('span', { class: 'tag' }, kindLabel) : null,
    expression.description ? h('p', { class: 'in-words' }, expression.description) : null,
    h('p', { class: 'expr-line' }, h('span', { class: 'lang' }, expression.language || 'expression'), ' ',
      expression.expression ? h('code', null, expression.expression) : null,
      expression.reference ? [' ', safeLink(expression.reference)] : null),
    names.map((n) => {
      const d = defs.get(n);
      return h('details', { class: 'definition', dataset: { definition: n } },
        h('summary', null, `Definition of ${n} in `, d.library.title || d.library.name, ` (${d.language})`),
        h('pre', { tabindex: '0' }, h('code', null, d.body)));
    }));
}

function actionTiming(a) {
  if (a.timingDuration) return `after ${duration(a.timingDuration)}`;
  if (a.timingRange) return `within ${range(a.timingRange, true)}`;
  if (a.timingTiming) return timing(a.timingTiming);
  if (a.timingAge) return `at age ${quantity(a.timingAge)}`;
  if (a.timingPeriod) return `from ${a.timingPeriod.start || '…'} to ${a.timingPeriod.end || '…'}`;
  if (a.timingDateTime) return `on ${a.timingDateTime}`;
  return '';
}

function relatedWords(r, titles) {
  const other = titles.get(r.actionId) || r.actionId;
  const offset = r.offsetDuration ? ` by ${duration(r.offsetDuration)}` : r.offsetRange ? ` by ${range(r.offsetRange, true)}` : '';
  return `${humanize(r.relationship || 'related')} ${other}${offset}`;
}

function triggerView(t) {
  return h('li', null, h('strong', null, humanize(t.type)), t.name ? ` ${t.name}` : '',
    (t.data || []).map((d) => h('span', { class: 'muted' }, ` ${d.type}${(d.codeFilter || []).map((cf) => ` (${cf.path || ''} in ${tail(cf.valueSet || '')})`).join('')}`)),
    t.condition ? h('code', null, ` ${t.condition.expression}`) : null);
}

function dataRequirement(d) {
  return h('li', null, h('code', null, d.type), (d.codeFilter || []).map((cf) => [' where ', cf.path || 'code', ' in ',
    cf.valueSet ? artifactLink(cf.valueSet, tail(cf.valueSet)) : (cf.code || []).map((c) => c.display || c.code).join(', ')]));
}

function actionView(a, ctx, depth) {
  const id = uid('action');
  const when = actionTiming(a);
  const conditions = (a.condition || []).map((c) => expressionView(c.expression, ctx.defs, c.kind));
  const defTarget = a.definitionCanonical || a.definitionUri;
  return h('li', { class: `action depth-${depth}`, dataset: { actionId: a.id || '' }, 'aria-labelledby': id },
    h('h3', { id, class: 'action-title' }, a.prefix ? `${a.prefix} ` : '', a.title || a.textEquivalent || a.id || 'Action',
      a.id ? h('span', { class: 'muted action-id' }, ` #${a.id}`) : null),
    a.description ? h('p', null, a.description) : null,
    a.textEquivalent && a.title ? h('p', { class: 'muted' }, a.textEquivalent) : null,
    (a.trigger || []).length ? h('div', { class: 'flow-part' }, h('h4', null, 'When'), h('ul', null, a.trigger.map(triggerView))) : null,
    conditions.length ? h('div', { class: 'flow-part' }, h('h4', null, 'If'), conditions) : null,
    when || (a.relatedAction || []).length ? h('div', { class: 'flow-part' }, h('h4', null, 'Timing'),
      h('ul', null, when ? h('li', null, when) : null, (a.relatedAction || []).map((r) => h('li', null, relatedWords(r, ctx.titles))))) : null,
    defTarget ? h('div', { class: 'flow-part' }, h('h4', null, 'Do'),
      h('p', null, refType(defTarget) === 'ActivityDefinition' || refType(defTarget) === 'PlanDefinition'
        ? artifactLink(defTarget, ctx.activityTitles.get(defTarget.split('|')[0]) || tail(defTarget)) : safeLink(defTarget))) : null,
    (a.dynamicValue || []).length ? h('div', { class: 'flow-part' }, h('h4', null, 'Computed values'),
      h('ul', null, a.dynamicValue.map((dv) => h('li', null, h('code', null, dv.path || ''), ' = ', expressionView(dv.expression, ctx.defs))))) : null,
    (a.input || []).length ? h('div', { class: 'flow-part' }, h('h4', null, 'Reads'), h('ul', null, a.input.map(dataRequirement))) : null,
    (a.output || []).length ? h('div', { class: 'flow-part' }, h('h4', null, 'Records'), h('ul', null, a.output.map(dataRequirement))) : null,
    facts([
      ['Selection', a.selectionBehavior], ['Grouping', a.groupingBehavior], ['Required', a.requiredBehavior],
      ['Repeats', a.cardinalityBehavior], ['Priority', a.priority],
    ], { class: 'facts small' }),
    (a.documentation || []).length ? h('p', { class: 'muted' }, 'Sources: ', a.documentation.map((d, i) => [i ? ', ' : '',
      d.url ? safeLink(d.url, d.display || d.label) : (d.display || d.label)])) : null,
    (a.action || []).length ? h('ol', { class: 'actions' }, a.action.map((child) => actionView(child, ctx, depth + 1))) : null);
}

function collectTitles(actions, map) {
  for (const a of actions || []) {
    if (a.id) map.set(a.id, a.title || a.id);
    collectTitles(a.action, map);
  }
  return map;
}

function collectCanonicals(actions, list) {
  for (const a of actions || []) {
    if (a.definitionCanonical) list.push(a.definitionCanonical.split('|')[0]);
    collectCanonicals(a.action, list);
  }
  return list;
}

export async function guidancePage() {
  const [plans, activities, libraries] = await Promise.all([
    listOf('PlanDefinition', 'id,title,description,type'),
    listOf('ActivityDefinition', 'id,title,kind'),
    listOf('Library', 'id,title,type'),
  ]);
  const byTitle = (a, b) => (a.title || a.id).localeCompare(b.title || b.id);
  return {
    title: 'Guidance',
    node: [
      h('h1', null, 'Guidance'),
      h('section', { class: 'block', 'aria-labelledby': 'plans' }, h('h2', { id: 'plans' }, 'Plans'),
        h('ul', { class: 'plan-list', id: 'plan-list' }, plans.sort(byTitle).map((p) => h('li', null,
          h('a', { href: `#/plan/${encodeURIComponent(p.id)}` }, p.title || p.id), ' ',
          h('span', { class: 'tag' }, concept(p.type)), p.description ? h('p', { class: 'muted' }, p.description) : null)))),
      h('section', { class: 'block', 'aria-labelledby': 'activities' }, h('h2', { id: 'activities' }, 'Activities'),
        h('ul', { class: 'columns' }, activities.sort(byTitle).map((a) => h('li', null, h('a', { href: `#/activity/${encodeURIComponent(a.id)}` }, a.title || a.id))))),
      h('section', { class: 'block', 'aria-labelledby': 'libraries' }, h('h2', { id: 'libraries' }, 'Logic libraries'),
        h('ul', null, libraries.sort(byTitle).map((l) => h('li', null, h('a', { href: `#/library/${encodeURIComponent(l.id)}` }, l.title || l.id))))),
    ],
  };
}

export async function planPage(id) {
  const plan = await fhirGet(`PlanDefinition/${encodeURIComponent(id)}`);
  const canonicals = [...new Set(collectCanonicals(plan.action, []))];
  const [{ defs, libraries }, activityList] = await Promise.all([
    libraryDefinitions(plan.library),
    listOf('ActivityDefinition', 'id,url,title').catch(() => []),
  ]);
  const activityTitles = new Map(activityList.map((a) => [a.url, a.title || a.id]));
  const ctx = { defs, titles: collectTitles(plan.action, new Map()), activityTitles };
  const index = sourceIndex(plan);
  const dependsOn = (plan.relatedArtifact || []).filter((r) => r.type === 'depends-on' || r.type === 'composed-of');
  const medicines = dependsOn.filter((r) => refType(r.resource) === 'MedicationKnowledge');
  const usedActivities = canonicals.filter((c) => refType(c) === 'ActivityDefinition');
  return {
    title: plan.title || plan.id,
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/guidance' }, 'Guidance'), ' › ', plan.title || plan.id),
      h('h1', null, plan.title || plan.id),
      plan.description ? h('p', { class: 'lead' }, plan.description) : null,
      facts([
        ['Type', concept(plan.type)],
        ['Topic', (plan.topic || []).map(concept).join('; ')],
        ['Purpose', plan.purpose],
        ['Usage', plan.usage],
        ['Medicines it uses', medicines.length ? h('span', null, medicines.map((m, i) => [i ? ', ' : '', artifactLink(m.resource, m.display || tail(m.resource))])) : null],
        ['Logic', libraries.length ? h('span', null, libraries.map((l, i) => [i ? ', ' : '', artifactLink(`Library/${l.id}`, l.title || l.id)])) : null],
        ['Version', plan.version],
        ['FHIR', h('a', { href: `${FHIR_BASE}PlanDefinition/${encodeURIComponent(plan.id)}` }, `PlanDefinition/${plan.id}`)],
        ['Try it', h('a', { href: `#/try?plan=${encodeURIComponent(plan.id)}` }, 'Apply this plan to a patient')],
      ]),
      section('Goals', 'goals', (plan.goal || []).length ? h('ul', null, plan.goal.map((g) => h('li', null, concept(g.description),
        (g.target || []).map((t) => h('span', { class: 'muted' }, ` (target ${concept(t.measure)}${t.detailQuantity ? ' ' + quantity(t.detailQuantity) : ''}${t.due ? ' within ' + duration(t.due) : ''})`))))) : null),
      section('Flow', 'flow', h('ol', { class: 'actions', id: 'plan-actions' }, (plan.action || []).map((a) => actionView(a, ctx, 1)))),
      section('Activities it uses', 'used-activities', usedActivities.length ? h('ul', null, usedActivities.map((c) => h('li', null, artifactLink(c, activityTitles.get(c) || tail(c))))) : null),
      sourceList(index, 'sources'),
    ],
  };
}

export async function activityPage(id) {
  const ad = await fhirGet(`ActivityDefinition/${encodeURIComponent(id)}`);
  const { defs } = await libraryDefinitions(ad.library);
  const index = sourceIndex(ad);
  const usedBy = await fhirGet(`PlanDefinition?definition=${encodeURIComponent(ad.url)}&_elements=id,title`).then((b) => (b.entry || []).map((e) => e.resource)).catch(() => []);
  return {
    title: ad.title || ad.id,
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/guidance' }, 'Guidance'), ' › ', ad.title || ad.id),
      h('h1', null, ad.title || ad.id),
      ad.description ? h('p', { class: 'lead' }, ad.description) : null,
      facts([
        ['Creates', ad.kind],
        ['Intent', ad.intent],
        ['What', concept(ad.code) || (ad.productCodeableConcept ? concept(ad.productCodeableConcept) : '') || (ad.productReference ? artifactLink(ad.productReference.reference) : '')],
        ['Timing', ad.timingTiming ? timing(ad.timingTiming) : ad.timingDuration ? duration(ad.timingDuration) : ad.timingRange ? range(ad.timingRange, true) : ''],
        ['Dosage', (ad.dosage || []).map((d) => d.text || timing(d.timing)).join('; ')],
        ['Used by', usedBy.length ? h('span', null, usedBy.map((p, i) => [i ? ', ' : '', artifactLink(`PlanDefinition/${p.id}`, p.title || p.id)])) : null],
        ['FHIR', h('a', { href: `${FHIR_BASE}ActivityDefinition/${encodeURIComponent(ad.id)}` }, `ActivityDefinition/${ad.id}`)],
      ]),
      ad.usage ? h('p', null, ad.usage) : null,
      section('Computed values', 'dynamic', (ad.dynamicValue || []).length ? h('ul', null, ad.dynamicValue.map((dv) => h('li', null,
        h('code', null, dv.path || ''), ' = ', expressionView(dv.expression, defs)))) : null),
      section('Relations', 'related', (ad.relatedArtifact || []).filter((r) => r.resource).length ? h('ul', null,
        ad.relatedArtifact.filter((r) => r.resource).map((r) => h('li', null, `${humanize(r.type)}: `, artifactLink(r.resource, r.display || tail(r.resource))))) : null),
      sourceList(index, 'sources'),
    ],
  };
}

export async function libraryPage(id) {
  const lib = await fhirGet(`Library/${encodeURIComponent(id)}`);
  const sources = librarySources(lib);
  const elm = (lib.content || []).filter((c) => /elm/.test(c.contentType || ''));
  return {
    title: lib.title || lib.id,
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/guidance' }, 'Guidance'), ' › ', lib.title || lib.id),
      h('h1', null, lib.title || lib.id),
      lib.description ? h('p', { class: 'lead' }, lib.description) : null,
      facts([
        ['Type', concept(lib.type)], ['Usage', lib.usage], ['Version', lib.version],
        ['Parameters', (lib.parameter || []).map((p) => `${p.name} (${p.type}, ${p.use})`).join(', ')],
        ['Data it reads', (lib.dataRequirement || []).map((d) => d.type).join(', ')],
        ['Compiled ELM', elm.length ? `${elm.length} attachment(s)` : null],
        ['FHIR', h('a', { href: `${FHIR_BASE}Library/${encodeURIComponent(lib.id)}` }, `Library/${lib.id}`)],
      ]),
      sources.map((src) => h('section', { class: 'block' }, h('h2', null, `Source (${src.contentType})`),
        h('pre', { class: 'source-code', tabindex: '0', dataset: { contentType: src.contentType } }, h('code', null, src.text)))),
    ],
  };
}
