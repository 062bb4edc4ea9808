// Try it: a patient and a draft order entered by hand, sent to the server as an EHR would send them: $apply with the
// record in a `data` Bundle, and a CDS Hooks call with the record in `prefetch` (built from the services' own
// prefetch templates in discovery). The cards are shown as an EHR shows them; accepting a suggestion changes the draft.
import { h, replace, rawJson, markdown, safeLink, uid } from '../dom.js';
import { fhirGet, fhirPost, cdsDiscovery, cdsCall, CDS_BASE } from '../api.js';
import { listOf } from '../knowledge.js';
import { setQuery } from '../route.js';
import { concept, quantity, timing, duration, range, humanize, num } from '../format.js';
import * as codes from '../codes.js';

const PATIENT_ID = 'try-patient';
const DRAFT_ID = 'try-draft';

function today(offsetDays = 0) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
}

/** A random UUID; crypto.randomUUID needs a secure context, getRandomValues does not (the server may be on http). */
function uuid() {
  if (crypto.randomUUID && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function birthDateFor(age) {
  const d = new Date();
  const years = Math.floor(age);
  const months = Math.round((age - years) * 12);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString().slice(0, 10);
}

// The try-it state lives in the URL (base64url JSON), so a patient and an order can be shared as a link.
export function encodeState(state) {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeState(text) {
  if (!text) return null;
  try {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return null;
  }
}

function emptyState() {
  return {
    age: '', sex: 'unknown', weight: '', weightDate: today(-1), phenotype: '',
    meds: [], obs: [], findings: [],
    order: { code: '', dose: '', unit: 'mg', perDay: 1 },
    plan: '', service: '', added: [],
  };
}

async function expandAll(ids) {
  const lists = await Promise.all(ids.map((id) => fhirGet(`ValueSet/${encodeURIComponent(id)}/$expand`)
    .then((vs) => (vs.expansion && vs.expansion.contains) || []).catch(() => [])));
  const seen = new Map();
  lists.flat().forEach((c) => { if (!seen.has(`${c.system}|${c.code}`)) seen.set(`${c.system}|${c.code}`, c); });
  return [...seen.values()];
}

/** Medicines a user may pick: every code of every value set of RxNorm codes (ADHD medicines, SSRIs, CYP2D6 inhibitors). */
async function medicineChoices() {
  const valueSets = await listOf('ValueSet', 'id,compose');
  const ids = valueSets.filter((vs) => ((vs.compose && vs.compose.include) || []).some((inc) => inc.system === codes.RXNORM)).map((vs) => vs.id);
  const all = await expandAll(ids);
  return all.filter((c) => c.system === codes.RXNORM).sort((a, b) => (a.display || a.code).localeCompare(b.display || b.code));
}

function key(c) {
  return `${c.system}|${c.code}`;
}

function codingOf(choices, k) {
  const c = choices.find((x) => key(x) === k);
  return c ? { system: c.system, code: c.code, display: c.display } : null;
}

/** The patient's record as FHIR resources, from the form's state. */
export function buildRecord(state, choices) {
  const subject = { reference: `Patient/${PATIENT_ID}` };
  const patient = { resourceType: 'Patient', id: PATIENT_ID, gender: state.sex || 'unknown' };
  if (state.age !== '' && state.age !== null) patient.birthDate = birthDateFor(Number(state.age));
  const observations = [];
  if (state.weight !== '' && state.weight !== null) {
    observations.push({ resourceType: 'Observation', id: 'try-weight', status: 'final', code: { coding: [codes.BODY_WEIGHT] }, subject,
      effectiveDateTime: state.weightDate || today(), valueQuantity: { value: Number(state.weight), unit: 'kg', system: codes.UCUM, code: 'kg' } });
  }
  if (state.phenotype) {
    const answer = codingOf(choices.phenotypes, state.phenotype);
    if (answer) {
      observations.push({ resourceType: 'Observation', id: 'try-cyp2d6', status: 'final', code: { coding: [codes.METABOLIZER_PHENOTYPE] }, subject,
        effectiveDateTime: state.phenotypeDate || today(-30), valueCodeableConcept: { coding: [answer] } });
    }
  }
  state.obs.forEach((o, i) => {
    const code = codingOf(choices.observations, o.code);
    if (!code || o.value === '') return;
    const obs = { resourceType: 'Observation', id: `try-obs-${i + 1}`, status: 'final', code: { coding: [code] }, subject, effectiveDateTime: o.date || today() };
    const pair = /^\s*([\d.]+)\s*\/\s*([\d.]+)\s*$/.exec(o.value);
    if (code.code === codes.BLOOD_PRESSURE_PANEL && pair) {
      obs.component = [[codes.SYSTOLIC, pair[1]], [codes.DIASTOLIC, pair[2]]].map(([c, v]) => ({
        code: { coding: [c] }, valueQuantity: { value: Number(v), unit: 'mm[Hg]', system: codes.UCUM, code: 'mm[Hg]' } }));
    } else if (!Number.isNaN(Number(o.value))) {
      obs.valueQuantity = { value: Number(o.value), unit: o.unit || '', system: codes.UCUM, code: o.unit || '1' };
    } else {
      obs.valueString = o.value;
    }
    observations.push(obs);
  });
  const medications = state.meds.map((m, i) => {
    const code = codingOf(choices.medicines, m.code);
    return code ? { resourceType: 'MedicationRequest', id: `try-med-${i + 1}`, status: m.status || 'active', intent: 'order', subject,
      authoredOn: m.date || today(-30), medicationCodeableConcept: { coding: [code] } } : null;
  }).filter(Boolean);
  const conditions = state.findings.map((f, i) => {
    const code = codingOf(choices.findings, f.code);
    return code ? { resourceType: 'Condition', id: `try-finding-${i + 1}`, subject, code: { coding: [code] },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      recordedDate: f.date || today() } : null;
  }).filter(Boolean);
  return { patient, observations, medications, conditions };
}

export function buildDraft(state, choices) {
  const code = codingOf(choices.medicines, state.order.code);
  if (!code) return null;
  const draft = { resourceType: 'MedicationRequest', id: DRAFT_ID, status: 'draft', intent: 'order', subject: { reference: `Patient/${PATIENT_ID}` },
    authoredOn: today(), medicationCodeableConcept: { coding: [code] } };
  if (state.order.dose !== '' && state.order.dose !== null) {
    draft.dosageInstruction = [{
      timing: { repeat: { frequency: Number(state.order.perDay) || 1, period: 1, periodUnit: 'd' } },
      doseAndRate: [{ doseQuantity: { value: Number(state.order.dose), unit: state.order.unit || 'mg', system: codes.UCUM, code: state.order.unit || 'mg' } }],
    }];
  }
  return draft;
}

function searchset(resources) {
  return { resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((r) => ({ fullUrl: `urn:uuid:${uuid()}`, resource: r })) };
}

/** Fills a service's prefetch templates from the record: "Patient/{{...}}" is the patient, "X?..." the X resources. */
export function prefetchFor(service, record) {
  const byType = { Patient: [record.patient], Observation: record.observations, MedicationRequest: record.medications, Condition: record.conditions };
  const prefetch = {};
  for (const [k, template] of Object.entries(service.prefetch || {})) {
    const type = template.split(/[/?]/)[0];
    prefetch[k] = template.includes('?') ? searchset(byType[type] || []) : (byType[type] || [])[0] || null;
  }
  return prefetch;
}

function hookRequest(service, record, draft) {
  const context = { userId: 'Practitioner/try-it', patientId: PATIENT_ID };
  if (/^order-/.test(service.hook)) {
    context.draftOrders = { resourceType: 'Bundle', type: 'collection', entry: draft ? [{ resource: draft }] : [] };
    if (service.hook === 'order-select') context.selections = draft ? [`MedicationRequest/${DRAFT_ID}`] : [];
  }
  return { hook: service.hook, hookInstance: uuid(), context, prefetch: prefetchFor(service, record) };
}

function applyRequest(record) {
  const all = [record.patient, ...record.observations, ...record.medications, ...record.conditions];
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'subject', valueString: `Patient/${PATIENT_ID}` },
      { name: 'data', resource: { resourceType: 'Bundle', type: 'collection', entry: all.map((r) => ({ fullUrl: `urn:uuid:${uuid()}`, resource: r })) } },
    ],
  };
}

function doseWords(mr) {
  const d = (mr.dosageInstruction || [])[0];
  if (!d) return 'no dose';
  const q = ((d.doseAndRate || [])[0] || {}).doseQuantity;
  return `${q ? quantity(q) : ''}${d.timing ? ` ${timing(d.timing)}` : ''}`.trim();
}

function requestSummary(resource) {
  if (!resource) return null;
  switch (resource.resourceType) {
    case 'MedicationRequest': {
      const d = (resource.dosageInstruction || [])[0] || {};
      const q = ((d.doseAndRate || [])[0] || {}).doseQuantity;
      return h('div', { class: 'proposal-request' },
        h('span', { class: 'tag' }, 'Medication'), ' ', concept(resource.medicationCodeableConcept),
        q ? [' ', h('strong', { class: 'computed-dose', dataset: { dose: num(q.value), unit: q.code || q.unit } }, quantity(q))] : null,
        d.text ? h('p', { class: 'muted' }, d.text) : null);
    }
    case 'ServiceRequest':
      return h('div', { class: 'proposal-request' }, h('span', { class: 'tag' }, 'Order'), ' ', concept(resource.code));
    case 'Task':
      return h('div', { class: 'proposal-request' }, h('span', { class: 'tag' }, 'Task'), ' ', concept(resource.code), resource.description ? h('p', { class: 'muted' }, resource.description) : null);
    case 'CommunicationRequest':
      return h('div', { class: 'proposal-request' }, h('span', { class: 'tag' }, 'Message'), ' ', (resource.payload || []).map((p) => p.contentString).join(' '));
    default:
      return h('div', { class: 'proposal-request' }, h('span', { class: 'tag' }, resource.resourceType), ' ', concept(resource.code));
  }
}

function proposalActions(actions, contained, titles) {
  return h('ol', { class: 'proposals' }, (actions || []).map((a) => {
    const ref = a.resource && a.resource.reference;
    const resource = ref && ref.startsWith('#') ? contained.get(ref.slice(1)) : null;
    const related = (a.relatedAction || []).map((r) => `${humanize(r.relationship)} ${titles.get(r.actionId) || r.actionId}${r.offsetDuration ? ' by ' + duration(r.offsetDuration) : r.offsetRange ? ' by ' + range(r.offsetRange, true) : ''}`);
    const when = a.timingDuration ? duration(a.timingDuration) : a.timingRange ? `within ${range(a.timingRange, true)}` : a.timingTiming ? timing(a.timingTiming) : '';
    return h('li', { dataset: { actionId: a.id || '' } },
      h('strong', null, a.title || a.id || 'Action'), a.description ? h('p', null, a.description) : null,
      requestSummary(resource),
      when || related.length ? h('p', { class: 'muted' }, [when, ...related].filter(Boolean).join('; ')) : null,
      (a.action || []).length ? proposalActions(a.action, contained, titles) : null);
  }));
}

function renderApply(exchange, plan) {
  const out = exchange.response;
  const body = [];
  if (exchange.error) {
    body.push(h('p', { class: 'error', role: 'alert' }, `$apply answered ${exchange.status}: ${exchange.error}`));
  } else if (out) {
    const contained = new Map((out.contained || []).map((r) => [r.id, r]));
    const groups = out.resourceType === 'RequestGroup' ? [out] : (out.contained || []).filter((r) => r.resourceType === 'RequestGroup');
    const titles = new Map();
    const collect = (list) => (list || []).forEach((a) => { if (a.id) titles.set(a.id, a.title || a.id); collect(a.action); });
    groups.forEach((g) => collect(g.action));
    body.push(out.description ? h('p', null, out.description) : null);
    body.push(groups.length ? groups.map((g) => proposalActions(g.action, contained, titles)) : h('p', null, 'No proposals for this patient.'));
  }
  body.push(h('div', { class: 'raw-pair' }, rawJson('Raw $apply request', exchange.request, { id: 'apply-raw-request' }),
    exchange.response ? rawJson('Raw $apply response', exchange.response, { id: 'apply-raw-response' }) : null));
  return h('section', { class: 'block', 'aria-labelledby': 'apply-heading', id: 'apply-result' },
    h('h2', { id: 'apply-heading' }, `Proposals of ${plan ? plan.title || plan.id : 'the plan'} ($apply)`), body);
}

const INDICATOR_WORDS = { critical: 'Critical', warning: 'Warning', info: 'Info', 'hard-stop': 'Hard stop' };

function cardView(card, handlers) {
  const id = uid('card');
  const status = h('p', { class: 'card-status', role: 'status' });
  const reason = h('select', { id: `${id}-reason` }, h('option', { value: '' }, 'Choose a reason'),
    (card.overrideReasons || []).map((r) => h('option', { value: `${r.system}|${r.code}` }, r.display || r.code)));
  const buttons = [];
  const suggestions = (card.suggestions || []).map((sg) => {
    const button = h('button', { type: 'button', class: sg.isRecommended ? 'primary accept' : 'accept', dataset: { suggestion: sg.uuid || '' } },
      `Accept: ${sg.label}`);
    buttons.push(button);
    button.addEventListener('click', () => {
      handlers.accept(card, sg);
      buttons.forEach((b) => { b.disabled = true; });
      status.textContent = `Accepted: ${sg.label}. The draft order has been updated.`;
      article.classList.add('accepted');
    });
    return h('li', null, button, (sg.actions || []).length ? h('ul', { class: 'muted small' }, sg.actions.map((a) => h('li', null, `${a.type}: ${a.description || (a.resource && a.resource.resourceType) || ''}`))) : null);
  });
  const dismiss = h('button', { type: 'button', class: 'secondary' }, 'Dismiss');
  dismiss.addEventListener('click', () => {
    handlers.override(card, reason.value);
    buttons.forEach((b) => { b.disabled = true; });
    dismiss.disabled = true;
    status.textContent = `Dismissed${reason.value ? ' (' + reason.selectedOptions[0].textContent + ')' : ''}.`;
  });
  const article = h('article', { class: `cds-card indicator-${card.indicator}`, 'aria-labelledby': id, dataset: { indicator: card.indicator, uuid: card.uuid || '' } },
    h('header', null, h('span', { class: 'indicator' }, INDICATOR_WORDS[card.indicator] || card.indicator),
      h('h3', { id }, card.summary)),
    card.detail ? markdown(card.detail) : null,
    card.source ? h('p', { class: 'card-source' }, 'Source: ', card.source.url ? safeLink(card.source.url, card.source.label) : card.source.label,
      card.source.topic ? ` (${card.source.topic.display || card.source.topic.code})` : '') : null,
    suggestions.length ? h('div', { class: 'suggestions' }, h('h4', null, 'Suggestions'), h('ul', null, suggestions)) : null,
    (card.links || []).length ? h('ul', { class: 'card-links' }, card.links.map((l) => h('li', null, safeLink(l.url, l.label)))) : null,
    h('div', { class: 'override' },
      (card.overrideReasons || []).length ? [h('label', { for: `${id}-reason` }, 'Reason to dismiss'), reason] : null, dismiss),
    status);
  return article;
}

function renderCards(exchange, service, handlers) {
  const out = exchange.response || {};
  const cards = out.cards || [];
  const order = { critical: 0, 'hard-stop': 0, warning: 1, info: 2 };
  cards.sort((a, b) => (order[a.indicator] ?? 3) - (order[b.indicator] ?? 3));
  return h('section', { class: 'block', 'aria-labelledby': 'cards-heading', id: 'cds-result' },
    h('h2', { id: 'cards-heading' }, `CDS cards from ${service.title || service.id}`),
    exchange.error ? h('p', { class: 'error', role: 'alert' }, `The service answered ${exchange.status}: ${exchange.error}`) : null,
    !exchange.error && !cards.length ? h('p', null, 'No cards: the service has nothing to say about this patient and order.') : null,
    h('div', { class: 'cards' }, cards.map((c) => cardView(c, handlers))),
    (out.systemActions || []).length ? h('p', { class: 'muted' }, `${out.systemActions.length} system action(s) in the response.`) : null,
    h('div', { class: 'raw-pair' }, rawJson('Raw CDS Hooks request', exchange.request, { id: 'cds-raw-request' }),
      exchange.response ? rawJson('Raw CDS Hooks response', exchange.response, { id: 'cds-raw-response' }) : null));
}

function select(id, options, value, attrs) {
  return h('select', Object.assign({ id }, attrs), options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export async function tryItPage(params) {
  const [discovery, plans, medicines, phenotypes, observations, findings] = await Promise.all([
    cdsDiscovery(),
    listOf('PlanDefinition', 'id,title,type,relatedArtifact'),
    medicineChoices(),
    expandAll([codes.VALUE_SETS.phenotypes]),
    expandAll([codes.VALUE_SETS.observations]),
    expandAll([codes.VALUE_SETS.findings]),
  ]);
  const choices = { medicines, phenotypes, observations, findings };
  const services = discovery.services || [];
  const state = Object.assign(emptyState(), decodeState(params.get('s')) || {});
  if (params.get('plan')) state.plan = params.get('plan');
  if (!state.service) state.service = (services.find((s) => s.hook === 'order-sign') || services[0] || {}).id || '';
  const protocols = plans.filter((p) => !((p.type && p.type.coding) || []).some((c) => c.code === 'eca-rule'));
  if (!state.plan && protocols.length) state.plan = protocols[0].id;

  const medOptions = [['', 'Choose a medicine'], ...medicines.map((c) => [key(c), c.display || c.code])];
  const results = h('div', { id: 'try-results', 'aria-live': 'polite' });
  const draftSummary = h('p', { id: 'draft-summary', class: 'draft-summary' });
  const addedList = h('ul', { id: 'added-orders' });

  // Form fields, read back into the state on every change.
  const age = h('input', { id: 'try-age', type: 'number', min: '0', max: '120', step: '1', value: state.age, inputmode: 'numeric' });
  const sex = select('try-sex', [['female', 'Female'], ['male', 'Male'], ['other', 'Other'], ['unknown', 'Unknown']], state.sex);
  const weight = h('input', { id: 'try-weight', type: 'number', min: '0', step: '0.1', value: state.weight, inputmode: 'decimal' });
  const weightDate = h('input', { id: 'try-weight-date', type: 'date', value: state.weightDate });
  const phenotype = select('try-phenotype', [['', 'Not known'], ...phenotypes.map((c) => [key(c), c.display || c.code])], state.phenotype);
  const orderMed = select('try-order-medicine', medOptions, state.order.code);
  const orderDose = h('input', { id: 'try-order-dose', type: 'number', min: '0', step: 'any', value: state.order.dose, inputmode: 'decimal' });
  const orderUnit = h('input', { id: 'try-order-unit', value: state.order.unit || 'mg', size: '6', 'aria-describedby': 'try-unit-help' });
  const orderPerDay = h('input', { id: 'try-order-per-day', type: 'number', min: '1', max: '6', step: '1', value: state.order.perDay || 1 });
  const planSelect = select('try-plan', plans.map((p) => [p.id, p.title || p.id]), state.plan);
  const serviceSelect = select('try-service', services.map((s) => [s.id, `${s.title || s.id} (${s.hook})`]), state.service);

  const rows = { meds: h('tbody', { id: 'try-meds' }), obs: h('tbody', { id: 'try-obs' }), findings: h('tbody', { id: 'try-findings' }) };

  function rowFields(kind, item, index) {
    const n = index + 1;
    const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove ${kind === 'meds' ? 'medicine' : kind === 'obs' ? 'observation' : 'finding'} ${n}` }, 'Remove');
    remove.addEventListener('click', () => { state[kind].splice(index, 1); drawRows(kind); save(); });
    const bind = (el, field) => { el.addEventListener('change', () => { item[field] = el.value; save(); }); el.addEventListener('input', () => { item[field] = el.value; save(); }); return el; };
    if (kind === 'meds') {
      return h('tr', null,
        h('td', null, bind(select(`try-med-${n}`, medOptions, item.code, { 'aria-label': `Medicine ${n}` }), 'code')),
        h('td', null, bind(select(`try-med-${n}-status`, [['active', 'Taking'], ['stopped', 'Stopped'], ['completed', 'Completed']], item.status, { 'aria-label': `Medicine ${n} status` }), 'status')),
        h('td', null, bind(h('input', { type: 'date', value: item.date, 'aria-label': `Medicine ${n} ordered on` }), 'date')),
        h('td', null, remove));
    }
    if (kind === 'obs') {
      return h('tr', null,
        h('td', null, bind(select(`try-obs-${n}`, [['', 'Choose'], ...observations.map((c) => [key(c), c.display || c.code])], item.code, { 'aria-label': `Observation ${n}` }), 'code')),
        h('td', null, bind(h('input', { value: item.value, size: '8', 'aria-label': `Observation ${n} value (blood pressure as 120/80)` }), 'value')),
        h('td', null, bind(h('input', { value: item.unit, size: '6', 'aria-label': `Observation ${n} unit (UCUM)` }), 'unit')),
        h('td', null, bind(h('input', { type: 'date', value: item.date, 'aria-label': `Observation ${n} date` }), 'date')),
        h('td', null, remove));
    }
    return h('tr', null,
      h('td', null, bind(select(`try-finding-${n}`, [['', 'Choose'], ...findings.map((c) => [key(c), c.display || c.code])], item.code, { 'aria-label': `Finding ${n}` }), 'code')),
      h('td', null, bind(h('input', { type: 'date', value: item.date, 'aria-label': `Finding ${n} recorded on` }), 'date')),
      h('td', null, remove));
  }

  function drawRows(kind) {
    replace(rows[kind], state[kind].map((item, i) => rowFields(kind, item, i)));
    rows[kind].closest('table').hidden = !state[kind].length;
  }

  function drawDraft() {
    const draft = buildDraft(state, choices);
    draftSummary.textContent = draft ? `Draft order: ${concept(draft.medicationCodeableConcept)}, ${doseWords(draft)}` : 'No draft order.';
    draftSummary.dataset.dose = state.order.dose;
    draftSummary.dataset.perDay = state.order.perDay;
    replace(addedList, state.added.map((a) => h('li', null, a)));
    addedList.parentElement.hidden = !state.added.length;
  }

  function readForm() {
    state.age = age.value;
    state.sex = sex.value;
    state.weight = weight.value;
    state.weightDate = weightDate.value;
    state.phenotype = phenotype.value;
    state.order = { code: orderMed.value, dose: orderDose.value, unit: orderUnit.value, perDay: orderPerDay.value };
    state.plan = planSelect.value;
    state.service = serviceSelect.value;
  }

  function save() {
    setQuery(new URLSearchParams({ s: encodeState(state) }));
    drawDraft();
  }

  function writeOrderFields() {
    orderMed.value = state.order.code;
    orderDose.value = state.order.dose;
    orderUnit.value = state.order.unit;
    orderPerDay.value = state.order.perDay;
  }

  const handlers = {
    accept(card, suggestion) {
      for (const action of suggestion.actions || []) {
        const r = action.resource;
        if (action.type === 'update' && r && r.resourceType === 'MedicationRequest' && (!r.id || r.id === DRAFT_ID)) {
          const d = (r.dosageInstruction || [])[0] || {};
          const q = ((d.doseAndRate || [])[0] || {}).doseQuantity;
          const coding = ((r.medicationCodeableConcept || {}).coding || [])[0];
          if (coding && medicines.some((c) => key(c) === key(coding))) state.order.code = key(coding);
          if (q) { state.order.dose = String(q.value); state.order.unit = q.code || q.unit || state.order.unit; }
          const repeat = (d.timing && d.timing.repeat) || {};
          if (repeat.frequency) state.order.perDay = String(repeat.frequency);
        } else if (action.type === 'create' && r) {
          state.added.push(`${r.resourceType}: ${action.description || concept(r.code) || ''}`);
        } else if (action.type === 'delete' && String(action.resourceId || '').endsWith(DRAFT_ID)) {
          state.order = { code: '', dose: '', unit: 'mg', perDay: 1 };
        }
      }
      writeOrderFields();
      save();
      sendFeedback(card, { outcome: 'accepted', acceptedSuggestions: [{ id: suggestion.uuid }] });
    },
    override(card, reasonKey) {
      const feedback = { outcome: 'overridden' };
      const reason = (card.overrideReasons || []).find((r) => `${r.system}|${r.code}` === reasonKey);
      if (reason) feedback.overrideReason = { reason };
      sendFeedback(card, feedback);
    },
  };

  function sendFeedback(card, item) {
    if (!card.uuid) return;
    fetch(`${CDS_BASE}/${encodeURIComponent(state.service)}/feedback`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ feedback: [Object.assign({ card: card.uuid, outcomeTimestamp: new Date().toISOString() }, item)] }),
    }).catch(() => {});
  }

  async function run() {
    readForm();
    save();
    results.dataset.ready = 'false';
    replace(results, h('p', { class: 'loading' }, 'Asking the server…'));
    const record = buildRecord(state, choices);
    const draft = buildDraft(state, choices);
    const service = services.find((s) => s.id === state.service);
    const plan = plans.find((p) => p.id === state.plan);
    const [cds, apply] = await Promise.all([
      service ? cdsCall(service.id, hookRequest(service, record, draft)) : null,
      plan ? fhirPost(`PlanDefinition/${encodeURIComponent(plan.id)}/$apply`, applyRequest(record)) : null,
    ]);
    replace(results, cds ? renderCards(cds, service, handlers) : null, apply ? renderApply(apply, plan) : null);
    results.dataset.ready = 'true';
  }

  const form = h('form', { id: 'try-form', class: 'try-form', on: { submit: (e) => { e.preventDefault(); run(); } } },
    h('fieldset', null, h('legend', null, 'Patient'),
      h('div', { class: 'grid' },
        h('div', { class: 'field' }, h('label', { for: 'try-age' }, 'Age (years)'), age),
        h('div', { class: 'field' }, h('label', { for: 'try-sex' }, 'Sex'), sex),
        h('div', { class: 'field' }, h('label', { for: 'try-weight' }, 'Body weight (kg)'), weight),
        h('div', { class: 'field' }, h('label', { for: 'try-weight-date' }, 'Weighed on'), weightDate),
        h('div', { class: 'field' }, h('label', { for: 'try-phenotype' }, 'CYP2D6 metabolizer status'), phenotype))),
    h('fieldset', null, h('legend', null, 'Current and past medicines'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'rows' }, h('thead', null, h('tr', null, ['Medicine', 'Status', 'Ordered on', ''].map((t) => h('th', { scope: 'col' }, t)))), rows.meds)),
      addButton('meds', 'Add a medicine', () => ({ code: '', status: 'active', date: today(-30) }))),
    h('fieldset', null, h('legend', null, 'Observations'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'rows' }, h('thead', null, h('tr', null, ['Observation', 'Value', 'Unit', 'Date', ''].map((t) => h('th', { scope: 'col' }, t)))), rows.obs)),
      addButton('obs', 'Add an observation', () => ({ code: '', value: '', unit: '', date: today(-1) }))),
    h('fieldset', null, h('legend', null, 'Findings'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'rows' }, h('thead', null, h('tr', null, ['Finding', 'Recorded on', ''].map((t) => h('th', { scope: 'col' }, t)))), rows.findings)),
      addButton('findings', 'Add a finding', () => ({ code: '', date: today(-7) }))),
    h('fieldset', null, h('legend', null, 'Draft order'),
      h('div', { class: 'grid' },
        h('div', { class: 'field wide' }, h('label', { for: 'try-order-medicine' }, 'Medicine'), orderMed),
        h('div', { class: 'field' }, h('label', { for: 'try-order-dose' }, 'Dose each time'), orderDose),
        h('div', { class: 'field' }, h('label', { for: 'try-order-unit' }, 'Unit'), orderUnit),
        h('div', { class: 'field' }, h('label', { for: 'try-order-per-day' }, 'Times a day'), orderPerDay)),
      h('p', { id: 'try-unit-help', class: 'muted small' }, 'A UCUM unit: mg, or a unit of the product such as {tbl} or {cap}.'),
      draftSummary,
      h('div', { class: 'added' }, h('h3', { class: 'small-heading' }, 'Orders added from accepted suggestions'), addedList)),
    h('fieldset', null, h('legend', null, 'What to ask'),
      h('div', { class: 'grid' },
        h('div', { class: 'field wide' }, h('label', { for: 'try-plan' }, 'Plan to apply ($apply)'), planSelect),
        h('div', { class: 'field wide' }, h('label', { for: 'try-service' }, 'CDS service'), serviceSelect))),
    h('div', { class: 'actions-row' }, h('button', { type: 'submit', class: 'primary', id: 'try-run' }, 'Run'),
      h('button', { type: 'button', class: 'secondary', id: 'try-reset', on: { click: () => { location.hash = '#/try'; } } }, 'Start again')));

  function addButton(kind, label, make) {
    return h('button', { type: 'button', class: 'secondary', on: { click: () => { state[kind].push(make()); drawRows(kind); save(); rows[kind].querySelector('tr:last-child select, tr:last-child input').focus(); } } }, label);
  }

  form.addEventListener('input', () => { readForm(); save(); });
  form.addEventListener('change', () => { readForm(); save(); });
  ['meds', 'obs', 'findings'].forEach(drawRows);
  drawDraft();
  if (params.get('s') && params.get('run') !== '0') await run();

  return {
    title: 'Try it',
    node: [
      h('h1', null, 'Try it'),
      h('p', { class: 'lead' }, 'Enter a patient and a draft order. Run sends them to this server: the plan\'s proposals come from ',
        h('code', null, '$apply'), ' with the record in a ', h('code', null, 'data'), ' Bundle, the cards from the CDS service with the record in ',
        h('code', null, 'prefetch'), '. Nothing is stored. The address of this page keeps what you entered.'),
      form,
      results,
    ],
  };
}
