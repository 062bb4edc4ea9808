import { h, replace } from '../dom.js';
import { listOf, codeSystemConcepts, withDescendants } from '../knowledge.js';
import { setQuery } from '../route.js';

const MEDICATION_CLASS = 'http://adhdkb.org/fhir/CodeSystem/medication-class';

function classCodes(mk) {
  return (mk.medicineClassification || []).flatMap((c) => c.classification || []).flatMap((cc) => cc.coding || [])
    .filter((c) => c.system === MEDICATION_CLASS).map((c) => c.code);
}

function words(mk, products, classes) {
  const parts = [mk.id, mk.code && mk.code.text, ...(mk.synonym || []),
    ...((mk.code && mk.code.coding) || []).map((c) => `${c.display || ''} ${c.code}`),
    ...(mk.ingredient || []).map((i) => (i.itemCodeableConcept && (i.itemCodeableConcept.text || ((i.itemCodeableConcept.coding || [])[0] || {}).display)) || ''),
    ...products.flatMap((p) => ((p.code && p.code.coding) || []).map((c) => `${c.display || ''} ${c.code}`).concat(p.code && p.code.text ? [p.code.text] : [])),
    ...classCodes(mk).map((c) => (classes.get(c) || {}).display || c)];
  return parts.filter(Boolean).join(' ').toLowerCase();
}

export async function medicinesPage(params) {
  const [medicines, products, classes] = await Promise.all([
    listOf('MedicationKnowledge', 'id,code,synonym,ingredient,medicineClassification,doseForm,associatedMedication,status'),
    listOf('Medication', 'id,code').catch(() => []),
    codeSystemConcepts(MEDICATION_CLASS),
  ]);
  const productById = new Map(products.map((p) => [p.id, p]));
  const entries = medicines.map((mk) => {
    const own = (mk.associatedMedication || []).map((r) => productById.get(String(r.reference || '').split('/').pop())).filter(Boolean);
    return { mk, classes: classCodes(mk), text: words(mk, own, classes), productCount: (mk.associatedMedication || []).length };
  }).sort((a, b) => a.mk.id.localeCompare(b.mk.id));

  const usedClasses = [...new Set(entries.flatMap((e) => e.classes))];
  // Offer the classes the medicines use and their ancestors, so "Non-stimulant" finds both of its kinds.
  const offered = new Set();
  for (const c of usedClasses) {
    let code = c;
    while (code && !offered.has(code)) { offered.add(code); code = (classes.get(code) || {}).parent; }
  }
  const q = params.get('q') || '';
  const cls = params.get('class') || '';

  const list = h('ul', { class: 'medicine-list', id: 'medicine-list' });
  const status = h('p', { class: 'muted', role: 'status', id: 'medicine-count' });
  const qInput = h('input', { id: 'medicine-q', type: 'search', value: q, autocomplete: 'off', 'aria-describedby': 'medicine-count' });
  const classSelect = h('select', { id: 'medicine-class' },
    h('option', { value: '' }, 'All classes'),
    [...offered].sort().map((code) => h('option', { value: code, selected: code === cls }, (classes.get(code) || {}).display || code)));

  function update() {
    const text = qInput.value.trim().toLowerCase();
    const wanted = classSelect.value ? withDescendants(classes, classSelect.value) : null;
    const shown = entries.filter((e) => (!text || text.split(/\s+/).every((w) => e.text.includes(w)))
      && (!wanted || e.classes.some((c) => wanted.has(c))));
    replace(list, shown.map(({ mk, classes: codes, productCount }) => h('li', { class: 'medicine-item' },
      h('a', { href: `#/medicine/${encodeURIComponent(mk.id)}`, class: 'medicine-name' }, (mk.code && mk.code.text) || mk.id),
      (mk.synonym || []).length ? h('span', { class: 'brand' }, ` (${mk.synonym.join(', ')})`) : null,
      h('div', { class: 'tags' }, codes.map((c) => h('span', { class: 'tag' }, (classes.get(c) || {}).display || c))),
      h('div', { class: 'muted' }, [mk.doseForm && mk.doseForm.text, productCount ? `${productCount} products` : null].filter(Boolean).join(' · ')))));
    status.textContent = `${shown.length} of ${entries.length} medicines`;
    const next = new URLSearchParams();
    if (qInput.value.trim()) next.set('q', qInput.value.trim());
    if (classSelect.value) next.set('class', classSelect.value);
    setQuery(next);
  }
  qInput.addEventListener('input', update);
  classSelect.addEventListener('change', update);
  update();

  return {
    title: 'Medicines',
    node: [
      h('h1', null, 'Medicines'),
      h('form', { class: 'filters', role: 'search', on: { submit: (e) => e.preventDefault() } },
        h('div', { class: 'field' }, h('label', { for: 'medicine-q' }, 'Ingredient, brand or code'), qInput),
        h('div', { class: 'field' }, h('label', { for: 'medicine-class' }, 'Class'), classSelect)),
      status,
      list,
    ],
  };
}
