import { h, facts, safeLink } from '../dom.js';
import { fhirGet, FHIR_BASE } from '../api.js';
import { concept, date } from '../format.js';

/** A source document (DocumentReference): what it is and where its copies were read. */
export async function sourcePage(id) {
  const doc = await fhirGet(`DocumentReference/${encodeURIComponent(id)}`);
  const title = doc.description ? doc.description.split(/[.;]/)[0] : id;
  return {
    title,
    node: [
      h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/medicines' }, 'Medicines'), ' › Source'),
      h('h1', null, title),
      facts([
        ['Id', h('code', null, doc.id)],
        ['Type', concept(doc.type)],
        ['Date', date(doc.date)],
        ['Author', (doc.author || []).map((a) => a.display || a.reference).join(', ')],
        ['FHIR', h('a', { href: `${FHIR_BASE}DocumentReference/${encodeURIComponent(doc.id)}` }, `DocumentReference/${doc.id}`)],
      ]),
      doc.description ? h('p', null, doc.description) : null,
      h('h2', null, 'Copies'),
      h('ul', null, (doc.content || []).map((c) => h('li', null,
        safeLink(c.attachment && c.attachment.url, (c.attachment && (c.attachment.title || c.attachment.url)) || 'attachment'),
        c.attachment && c.attachment.creation ? ` (${date(c.attachment.creation)})` : ''))),
    ],
  };
}
