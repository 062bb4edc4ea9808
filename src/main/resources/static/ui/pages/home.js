import { h } from '../dom.js';
import { fhirGet, cdsDiscovery } from '../api.js';

async function count(type) {
  try {
    const bundle = await fhirGet(`${type}?_summary=count`);
    return bundle.total;
  } catch (e) {
    return null;
  }
}

export async function homePage() {
  const types = ['MedicationKnowledge', 'Medication', 'PlanDefinition', 'ActivityDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap'];
  const [counts, discovery] = await Promise.all([
    Promise.all(types.map(count)),
    cdsDiscovery().catch(() => ({ services: [] })),
  ]);
  const byType = Object.fromEntries(types.map((t, i) => [t, counts[i]]));
  const card = (href, title, text, figure) => h('li', { class: 'tile' },
    h('a', { href }, h('span', { class: 'tile-title' }, title), figure !== null && figure !== undefined ? h('span', { class: 'tile-count' }, figure) : null),
    h('p', null, text));

  const search = h('form', { class: 'search', role: 'search', on: { submit: (e) => {
    e.preventDefault();
    const q = e.target.elements.q.value.trim();
    location.hash = `#/medicines${q ? '?q=' + encodeURIComponent(q) : ''}`;
  } } },
  h('label', { for: 'home-q' }, 'Find a medicine by ingredient, class or brand'),
  h('div', { class: 'inline' }, h('input', { id: 'home-q', name: 'q', type: 'search', autocomplete: 'off' }), h('button', { type: 'submit' }, 'Search')));

  return {
    title: 'Start',
    node: [
      h('h1', null, 'ADHD medicines and guidance'),
      h('p', { class: 'lead' }, 'What this server knows about ADHD pharmacotherapy, as people read it: the medicines with their dosing, ' +
        'monitoring and sources; the guidance as flows; the terminology; and the decision support applied to a patient you enter.'),
      search,
      h('ul', { class: 'tiles' },
        card('#/medicines', 'Medicines', 'Products and codes, dosing by patient band, dose range by body weight, monitoring, warnings and sources.',
          byType.MedicationKnowledge !== null ? `${byType.MedicationKnowledge} medicines${byType.Medication ? `, ${byType.Medication} products` : ''}` : null),
        card('#/guidance', 'Guidance', 'Each plan as a flow: trigger, conditions in words and as the expression that computes them, actions and timing.',
          byType.PlanDefinition !== null ? `${byType.PlanDefinition} plans, ${byType.ActivityDefinition} activities` : null),
        card('#/terminology', 'Terminology', 'Value sets and their expansions, code lookup and concept-map translation.',
          byType.ValueSet !== null ? `${byType.ValueSet} value sets, ${byType.CodeSystem} code systems, ${byType.ConceptMap} maps` : null),
        card('#/try', 'Try it', 'Enter a patient and a draft order; see the proposals of $apply and the CDS Hooks cards an EHR would show.',
          `${(discovery.services || []).length} CDS services`)),
    ],
  };
}
