// Every read and every computation goes through the server's own public APIs (FHIR at /fhir, CDS Hooks at
// /cds-services), as any client would; the browser holds no clinical content of its own.

const ROOT = new URL('..', import.meta.url);
export const FHIR_BASE = new URL('fhir/', ROOT).href;
export const CDS_BASE = new URL('cds-services', ROOT).href;

/** An answer that was not 2xx, with the server's own message (OperationOutcome or CDS Hooks {"error"}). */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function messageOf(status, body) {
  if (body && body.resourceType === 'OperationOutcome') {
    const texts = (body.issue || []).map((i) => i.diagnostics || (i.details && i.details.text) || i.code).filter(Boolean);
    if (texts.length) return texts.join('; ');
  }
  if (body && typeof body.error === 'string') return body.error;
  return `HTTP ${status}`;
}

// GET answers are cached for the page's lifetime: the content changes only when the server is redeployed, and a
// medicine page asks for the same code systems and sources many times.
const cache = new Map();

async function call(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = text;
    }
  }
  if (!response.ok) throw new ApiError(response.status, messageOf(response.status, body), body);
  return body;
}

/** GET a FHIR path relative to /fhir (e.g. "MedicationKnowledge/atomoxetine"), as JSON. */
export function fhirGet(path) {
  const url = new URL(path, FHIR_BASE).href;
  if (!cache.has(url)) {
    const pending = call(url, { headers: { Accept: 'application/fhir+json' } });
    pending.catch(() => cache.delete(url));
    cache.set(url, pending);
  }
  return cache.get(url);
}

/** POST a FHIR resource (an operation's Parameters); returns {request, response} so the page can show both. */
export async function fhirPost(path, resource) {
  const url = new URL(path, FHIR_BASE).href;
  const exchange = { method: 'POST', url, request: resource, status: null, response: null };
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    exchange.status = response.status;
    const text = await response.text();
    exchange.response = text ? JSON.parse(text) : null;
    if (!response.ok) exchange.error = messageOf(response.status, exchange.response);
  } catch (e) {
    exchange.error = e.message;
  }
  return exchange;
}

/** The CDS Hooks discovery document. */
export function cdsDiscovery() {
  if (!cache.has(CDS_BASE)) {
    const pending = call(CDS_BASE, { headers: { Accept: 'application/json' } });
    pending.catch(() => cache.delete(CDS_BASE));
    cache.set(CDS_BASE, pending);
  }
  return cache.get(CDS_BASE);
}

/** Calls one CDS service; returns the exchange (request, status, response) like fhirPost. */
export async function cdsCall(serviceId, request) {
  const url = `${CDS_BASE}/${encodeURIComponent(serviceId)}`;
  const exchange = { method: 'POST', url, request, status: null, response: null };
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(request),
    });
    exchange.status = response.status;
    const text = await response.text();
    exchange.response = text ? JSON.parse(text) : null;
    if (!response.ok) exchange.error = messageOf(response.status, exchange.response);
  } catch (e) {
    exchange.error = e.message;
  }
  return exchange;
}

/** All resources of a search, following `next` links (the server pages at its own size). */
export async function searchAll(path) {
  const resources = [];
  let bundle = await fhirGet(path);
  for (let pages = 0; bundle && pages < 50; pages++) {
    (bundle.entry || []).forEach((e) => e.resource && resources.push(e.resource));
    const next = (bundle.link || []).find((l) => l.relation === 'next');
    if (!next) break;
    bundle = await fhirGet(next.url);
  }
  return resources;
}

/** Resolves a canonical URL (optionally |version) of the given type to the resource, or null. */
export async function byCanonical(type, canonical) {
  const url = canonical.split('|')[0];
  const bundle = await fhirGet(`${type}?url=${encodeURIComponent(url)}`);
  const entry = (bundle.entry || []).find((e) => e.resource && e.resource.resourceType === type);
  return entry ? entry.resource : null;
}
