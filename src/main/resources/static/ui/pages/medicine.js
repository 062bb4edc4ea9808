import { h, section, facts, uid } from '../dom.js';
import { fhirGet, FHIR_BASE } from '../api.js';
import { listOf, sourceIndex, sourceMarks, sourceList, codingView, displayOf, artifactLink } from '../knowledge.js';
import { readBands, conditionsOf, sourcesOf, isWeightBased } from '../dosing.js';
import { doseChart, weightAxis } from '../chart.js';
import { quantity, duration, range, timing, concept, humanize, num, unit, tail } from '../format.js';

const CHARACTERISTIC = 'http://adhdkb.org/fhir/CodeSystem/medication-knowledge-characteristic';

/** The narrative's first paragraph as text (never its markup): the summary a knowledge engineer wrote. */
function narrativeText(resource) {
  const div = resource.text && resource.text.div;
  if (!div) return '';
  const doc = new DOMParser().parseFromString(div, 'text/html');
  const first = doc.body.querySelector('p') || doc.body;
  return (first.textContent || '').replace(/\s+/g, ' ').trim();
}

/** An ingredient strength as written on a product: "10 mg per capsule", "5 mg / 5 mL". */
function strength(r) {
  const den = r.denominator;
  if (!den) return quantity(r.numerator);
  if (den.value === 1 || den.value === undefined) return `${quantity(r.numerator)} per ${String(den.unit || den.code || '').replace(/[{}]/g, '')}`;
  return `${quantity(r.numerator)} / ${quantity(den)}`;
}

function characteristicCode(dc) {
  const coding = ((dc.type && dc.type.coding) || []).find((c) => c.system === CHARACTERISTIC);
  return coding ? coding.code : '';
}

function characteristicValue(dc) {
  if (dc.valueString) return dc.valueString;
  if (dc.valueQuantity) return num(dc.valueQuantity.value) + (dc.valueQuantity.unit && dc.valueQuantity.code !== '1' ? ` ${dc.valueQuantity.unit}` : '');
  if (dc.valueCodeableConcept) return concept(dc.valueCodeableConcept);
  if (dc.valueBase64Binary) return '(binary)';
  return '';
}

/** A band as words: "Body weight ≤ 70 kg; Age ≥ 6 a and ≤ 17 a; Known CYP2D6 poor metabolizer". */
function bandWords(band) {
  return band.characteristics.map((c) => (c.bounds.length
    ? `${c.label} ${c.bounds.map((b) => `${b.op.replace('<=', '≤').replace('>=', '≥')} ${num(b.value)} ${b.unit === 'a' ? 'years' : b.unit}`).join(' and ')}`
    : c.label)).join('; ');
}

/** A statement's amount as written: "0.5 mg/kg/day", "at most 100 mg/day"; its text when it has no number. */
function amountWords(statement) {
  const a = statement.amount;
  if (!a) return null;
  const u = unit(a.code);
  if (a.high !== undefined) return `${num(a.value)} to ${num(a.high)} ${u}`;
  return `${num(a.value)} ${u}`;
}

function statementCell(band, role, index, extra) {
  const entry = band.roles[role];
  if (!entry) return h('td', { class: 'empty' }, h('span', { class: 'visually-hidden' }, 'not stated'), '–');
  const limits = role === 'maximum-dose';
  const items = entry.statements.map((st) => {
    const words = amountWords(st);
    return h('li', { dataset: { role, amount: st.amount ? num(st.amount.value) : null, unit: st.amount ? st.amount.code : null } },
      words ? h('span', { class: 'amount' }, limits ? `≤ ${words}` : words) : h('span', { class: 'text-only' }, st.text),
      extra ? extra(st) : null,
      st.timing && !limits ? h('span', { class: 'muted timing' }, ` ${timing(st.timing)}`) : null,
      sourceMarks(st.sources, index),
      words && st.text ? h('details', { class: 'statement-text' }, h('summary', null, 'Text'), h('p', null, st.text)) : null);
  });
  const note = limits && entry.statements.filter((st) => st.amount).length > 1
    ? h('p', { class: 'note' }, 'All limits apply: the lowest one at the patient\'s weight.') : null;
  return h('td', null, h('ul', { class: 'cell-list' }, items), note);
}

function intervalWords(st) {
  const parts = st.intervals.map((iv) => (iv.kind === 'minimum' ? `after at least ${duration(iv.duration)}` : `usually every ${range(iv.range, true)}`));
  return parts.length ? h('span', { class: 'interval' }, ` (${parts.join('; ')})`) : null;
}

function stepsCell(band, index) {
  const rows = [];
  for (const role of ['titration-step', 'taper-step']) {
    const entry = band.roles[role];
    if (!entry) continue;
    for (const st of entry.statements) {
      const words = amountWords(st);
      rows.push(h('li', { dataset: { role } },
        role === 'taper-step' ? h('strong', null, 'Taper: ') : null,
        words ? h('span', { class: 'amount' }, `${role === 'taper-step' ? '−' : '+'}${words}`) : h('span', { class: 'text-only' }, st.text),
        intervalWords(st), sourceMarks(st.sources, index),
        words && st.text ? h('details', { class: 'statement-text' }, h('summary', null, 'Text'), h('p', null, st.text)) : null));
    }
  }
  // Intervals written on other roles (e.g. "raise to the target after at least 3 days").
  for (const [role, entry] of Object.entries(band.roles)) {
    if (role === 'titration-step' || role === 'taper-step') continue;
    for (const st of entry.statements) {
      if (!st.intervals.length) continue;
      rows.push(h('li', { dataset: { role: `${role}-interval` } }, `To the ${entry.label.toLowerCase() || humanize(role)}`, intervalWords(st), sourceMarks(st.sources, index)));
    }
  }
  if (!rows.length) return h('td', { class: 'empty' }, h('span', { class: 'visually-hidden' }, 'not stated'), '–');
  return h('td', null, h('ul', { class: 'cell-list' }, rows));
}

function dosingTable(bands, index) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Dosing by patient band' },
    h('table', { class: 'dosing', id: 'dosing-table' },
      h('caption', null, 'Daily doses by patient band. mg/kg/day amounts are multiplied by the patient\'s weight.'),
      h('thead', null, h('tr', null, ['Patient band', 'Start', 'Steps and interval', 'Target', 'Maximum'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, bands.map((band) => h('tr', { id: `band-${band.id}`, dataset: { band: band.id } },
        h('th', { scope: 'row' }, h('span', { class: 'band-name' }, humanize(band.id)), h('span', { class: 'band-words' }, bandWords(band)), sourceMarks(band.sources, index)),
        statementCell(band, 'starting-dose', index),
        stepsCell(band, index),
        statementCell(band, 'target-dose', index),
        statementCell(band, 'maximum-dose', index))))));
}

async function productsSection(mk) {
  const refs = (mk.associatedMedication || []).map((r) => tail(r.reference)).filter(Boolean);
  if (refs.length) {
    const products = [];
    for (let i = 0; i < refs.length; i += 50) {
      const bundle = await fhirGet(`Medication?_id=${refs.slice(i, i + 50).map(encodeURIComponent).join(',')}&_count=50`);
      (bundle.entry || []).forEach((e) => products.push(e.resource));
    }
    const byId = new Map(products.map((p) => [p.id, p]));
    return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Products' },
      h('table', { class: 'products', id: 'products-table' },
        h('thead', null, h('tr', null, ['Product', 'Codes', 'Form', 'Strength'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, refs.map((id) => {
          const p = byId.get(id);
          if (!p) return h('tr', null, h('td', { colspan: 4 }, `Medication/${id} (not found on this server)`));
          return h('tr', { dataset: { product: id } },
            h('th', { scope: 'row' }, concept(p.code) || id, ' ', h('a', { href: `${FHIR_BASE}Medication/${encodeURIComponent(id)}`, class: 'muted' }, 'JSON')),
            h('td', null, ((p.code && p.code.coding) || []).map((c) => h('div', null, codingView(c)))),
            h('td', null, concept(p.form)),
            h('td', null, (p.ingredient || []).map((ing) => h('div', null,
              concept(ing.itemCodeableConcept) || (ing.itemReference && (ing.itemReference.display || ing.itemReference.reference)) || '',
              ing.strength ? ` ${strength(ing.strength)}` : ''))));
        }))));
  }
  const codings = (mk.code && mk.code.coding) || [];
  const ingredientCodings = (mk.ingredient || []).flatMap((i) => (i.itemCodeableConcept && i.itemCodeableConcept.coding) || []);
  return [
    mk.doseForm ? h('p', null, h('strong', null, 'Forms: '), concept(mk.doseForm)) : null,
    codings.length ? h('ul', { class: 'codes', id: 'product-codes' }, codings.map((c) => h('li', null, codingView(c)))) : null,
    ingredientCodings.length ? h('p', null, h('strong', null, 'Ingredient codes: '), ingredientCodings.map((c, i) => [i ? ', ' : '', codingView(c)])) : null,
    sourceMarks(sourcesOf(mk.code), sourceIndex(mk)),
  ];
}

export async function medicinePage(id) {
  const mk = await fhirGet(`MedicationKnowledge/${encodeURIComponent(id)}`);
  const artifactUrl = ((mk.extension || []).find((e) => /artifact-url$/.test(e.url)) || {}).valueUri;
  const [products, plans, classLabels] = await Promise.all([
    productsSection(mk),
    listOf('PlanDefinition', 'id,title,type,relatedArtifact').catch(() => []),
    Promise.all((mk.medicineClassification || []).map(async (mc) => ({
      type: concept(mc.type),
      sources: sourcesOf(mc),
      values: await Promise.all((mc.classification || []).map(async (cc) => ({
        display: await displayOf((cc.coding || [])[0]), text: cc.text, coding: (cc.coding || [])[0] }))),
    }))),
  ]);
  const index = sourceIndex(mk);
  const bands = readBands(mk);
  const axis = weightAxis(bands);
  const name = (mk.code && mk.code.text) || mk.id;

  const plainBands = bands.filter((b) => !conditionsOf(b).length);
  const conditionBands = bands.filter((b) => conditionsOf(b).length);
  const charts = plainBands.map((b) => doseChart(b, axis, `${humanize(b.id)}: ${bandWords(b) || 'all patients'}`)).filter(Boolean);
  const usedBy = plans.filter((p) => (p.relatedArtifact || []).some((ra) => ra.type === 'depends-on' && artifactUrl && (ra.resource || '').split('|')[0] === artifactUrl));

  const characteristics = mk.drugCharacteristic || [];
  const byCode = (codes) => characteristics.filter((dc) => codes.includes(characteristicCode(dc)));
  const charList = (list) => (list.length ? h('ul', { class: 'statements' }, list.map((dc) => h('li', null,
    h('strong', null, `${concept(dc.type)}: `), characteristicValue(dc), sourceMarks(sourcesOf(dc), index)))) : null);

  const headingId = uid('medicine');
  const node = [
    h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/medicines' }, 'Medicines'), ' › ', name),
    h('h1', { id: headingId }, name, (mk.synonym || []).length ? h('span', { class: 'brand' }, ` (${mk.synonym.join(', ')})`) : null),
    h('p', { class: 'lead' }, narrativeText(mk)),
    facts([
      ...classLabels.map((c) => [c.type || 'Class', h('span', null, c.values.map((v, i) => [i ? '; ' : '', v.coding && v.coding.system && /medication-class$/.test(v.coding.system)
        ? h('a', { href: `#/medicines?class=${encodeURIComponent(v.coding.code)}` }, v.display) : (v.text || v.display)]), sourceMarks(c.sources, index))]),
      ['Route', (mk.intendedRoute || []).map(concept).join(', ')],
      ['Status', mk.status],
      ['Regulation', (mk.regulatory || []).flatMap((r) => (r.schedule || []).map((sc) => concept(sc.schedule))).join('; ')],
      ['FHIR', h('a', { href: `${FHIR_BASE}MedicationKnowledge/${encodeURIComponent(mk.id)}` }, `MedicationKnowledge/${mk.id}`)],
    ]),
    section('Products and codes', 'products', products),
    section('Dosing by patient band', 'dosing', bands.length ? dosingTable(bands, index) : h('p', null, 'This medicine has no structured dosing.')),
    section('Daily dose range by body weight', 'dose-chart',
      charts.length ? [
        h('p', { class: 'muted' }, isWeightBased(plainBands[0] || {}) || plainBands.some(isWeightBased)
          ? 'The shaded area runs from the starting dose to the maximum; mg/kg amounts rise with weight, and the maximum is the lowest of its limits. A start or target that would exceed the maximum is drawn at the maximum.'
          : 'The doses of this medicine do not depend on weight: the lines are flat across each band.'),
        conditionBands.length ? h('p', { class: 'muted' }, `Bands with a condition (${conditionBands.map((b) => humanize(b.id)).join(', ')}) are in the table above.`) : null,
        h('div', { class: 'charts' }, charts)] : null),
    section('Monitoring', 'monitoring', (mk.monitoringProgram || []).length ? h('ul', { class: 'statements', id: 'monitoring-list' },
      mk.monitoringProgram.map((mp) => h('li', null, h('strong', null, `${concept(mp.type)}: `), mp.name || '',
        (mp.schedule || []).length ? ` ${mp.schedule.map((sc) => timing(sc.schedule)).join('; ')}` : '', sourceMarks(sourcesOf(mp), index))))
      : null),
    section('Interactions and dose adjustments', 'interactions',
      charList(byCode(['metabolism'])),
      conditionBands.length ? h('ul', { class: 'statements' }, conditionBands.map((b) => h('li', null,
        h('strong', null, `${conditionsOf(b).map((c) => c.label).join(' and ')}: `),
        h('a', { href: `#/medicine/${encodeURIComponent(mk.id)}?band=${encodeURIComponent(b.id)}`, dataset: { bandLink: b.id } }, `dosing band ${humanize(b.id)}`),
        b.characteristics.some((c) => c.bounds.length) ? ` (${bandWords({ characteristics: b.characteristics.filter((c) => c.bounds.length) })})` : '',
        sourceMarks(b.sources, index)))) : null,
      usedBy.filter((p) => ((p.type && p.type.coding) || []).some((c) => c.code === 'eca-rule')).length
        ? h('p', null, 'Rules that check this medicine in orders: ', usedBy.filter((p) => ((p.type && p.type.coding) || []).some((c) => c.code === 'eca-rule'))
          .map((p, i) => [i ? ', ' : '', artifactLink(`PlanDefinition/${p.id}`, p.title || p.id)])) : null),
    section('Warnings and contraindications', 'warnings',
      charList(byCode(['boxed-warning'])),
      (mk.contraindication || []).length ? [h('h3', null, 'Contraindications'), h('ul', { class: 'statements' },
        mk.contraindication.map((c) => h('li', null, c.display || c.reference, sourceMarks(sourcesOf(c), index))))] : null),
    section('Characteristics', 'characteristics', charList(characteristics.filter((dc) => !['metabolism', 'boxed-warning'].includes(characteristicCode(dc))))),
    section('Related medicines', 'related', (mk.relatedMedicationKnowledge || []).length ? h('ul', { class: 'statements' },
      mk.relatedMedicationKnowledge.map((r) => h('li', null, h('strong', null, `${concept(r.type)}: `),
        (r.reference || []).map((ref, i) => [i ? ', ' : '', artifactLink(ref.reference, ref.display || tail(ref.reference))]),
        sourceMarks(sourcesOf(r), index)))) : null),
    section('Guidance that uses it', 'guidance', usedBy.length ? h('ul', null, usedBy.map((p) => h('li', null, artifactLink(`PlanDefinition/${p.id}`, p.title || p.id)))) : null),
    section('Monographs', 'monographs', (mk.monograph || []).length ? h('ul', null, mk.monograph.map((m) => h('li', null,
      `${concept(m.type)}: `, m.source ? artifactLink(m.source.reference, m.source.display) : ''))) : null),
    sourceList(index, 'sources'),
  ];
  return { title: name, node };
}

export { quantity };
