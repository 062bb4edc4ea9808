// Reading helpers shared by pages: code systems (displays and hierarchy), sources, resource links.
import { fhirGet, byCanonical, searchAll } from './api.js';
import { h, safeLink } from './dom.js';
import { EXT } from './dosing.js';
import { tail, refType, systemName } from './format.js';

const codeSystems = new Map();

/** The concepts of a code system this server holds, flattened: Map code -> {display, definition, parent}. */
export function codeSystemConcepts(system) {
  if (!codeSystems.has(system)) {
    codeSystems.set(system, byCanonical('CodeSystem', system).then((cs) => {
      const map = new Map();
      const walk = (concepts, parent) => (concepts || []).forEach((c) => {
        map.set(c.code, { display: c.display, definition: c.definition, parent });
        walk(c.concept, c.code);
      });
      if (cs) walk(cs.concept, null);
      return map;
    }).catch(() => new Map()));
  }
  return codeSystems.get(system);
}

/** A code and all codes under it in its code system's hierarchy. */
export function withDescendants(concepts, code) {
  const result = new Set([code]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [c, info] of concepts) if (info.parent && result.has(info.parent) && !result.has(c)) { result.add(c); grew = true; }
  }
  return result;
}

/** Display of a coding: its own display, else the code system's display, else the code. */
export async function displayOf(coding) {
  if (!coding) return '';
  if (coding.display) return coding.display;
  const concepts = await codeSystemConcepts(coding.system);
  const info = concepts.get(coding.code);
  return (info && info.display) || coding.code;
}

/**
 * The sources a resource cites, by label: from relatedArtifact (canonical resources) or the related-artifact
 * extension (MedicationKnowledge). Map label -> {label, display, url, document, citation, type}.
 */
export function sourceIndex(resource) {
  const artifacts = [
    ...(resource.relatedArtifact || []),
    ...((resource.extension || []).filter((e) => e.url === EXT.relatedArtifact).map((e) => e.valueRelatedArtifact)),
  ].filter((a) => a && a.type !== 'depends-on' && a.type !== 'composed-of');
  const index = new Map();
  artifacts.forEach((a, i) => {
    const label = a.label || `source-${i + 1}`;
    if (!index.has(label)) index.set(label, Object.assign({ number: index.size + 1 }, a, { label }));
  });
  return index;
}

/** Superscript links to the sources of one statement ([1] [3]), pointing at the page's source list. */
export function sourceMarks(labels, index) {
  const unique = [...new Set(labels || [])];
  if (!unique.length) return null;
  return h('span', { class: 'source-marks' }, unique.map((label) => {
    const entry = index.get(label);
    const text = entry ? `[${entry.number}]` : `[${label}]`;
    return h('a', {
      class: 'source-mark', href: entry && entry.url ? entry.url : `#/source/${encodeURIComponent(label)}`,
      title: entry ? (entry.display || label) : label,
      'aria-label': `Source: ${entry ? (entry.display || label) : label}`,
      rel: entry && entry.url ? 'noopener noreferrer' : null,
      dataset: { source: label },
    }, text);
  }));
}

/** The numbered list of sources at the bottom of a page. */
export function sourceList(index, headingId) {
  if (!index.size) return null;
  return h('section', { class: 'block', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Sources'),
    h('ol', { class: 'sources' }, [...index.values()].map((a) => h('li', { id: `source-${a.label}`, value: a.number },
      a.url ? safeLink(a.url, a.display || a.label) : h('span', null, a.display || a.label),
      ' ', h('a', { href: `#/source/${encodeURIComponent(a.label)}`, class: 'muted' }, `(${a.label})`),
      a.citation ? h('div', { class: 'citation' }, a.citation) : null))));
}

/** A link inside the browser for a reference or canonical to one of our artifacts, else the text. */
export function artifactLink(ref, label) {
  const type = refType(ref);
  const id = tail(ref);
  const route = { MedicationKnowledge: 'medicine', PlanDefinition: 'plan', ActivityDefinition: 'activity', Library: 'library',
    ValueSet: 'valueset', CodeSystem: 'codesystem', DocumentReference: 'source' }[type];
  if (route && id) return h('a', { href: `#/${route}/${encodeURIComponent(id)}` }, label || id);
  return h('span', null, label || ref);
}

/** A coding as "RxNorm 38400 atomoxetine", with its code in <code>. */
export function codingView(c) {
  return h('span', { class: 'coding' }, h('span', { class: 'system' }, systemName(c.system)), ' ', h('code', null, c.code),
    c.display ? ` ${c.display}` : '');
}

/** All resources of a type with only the listed elements. */
export function listOf(type, elements) {
  return searchAll(`${type}?_count=200${elements ? '&_elements=' + elements : ''}`);
}

export { fhirGet };
