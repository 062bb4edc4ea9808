// Words for FHIR datatypes. Units are shown as the content writes them (UCUM), with a readable form for the few
// UCUM time units, so that a number on a page is always the number in the resource.

const TIME_UNITS = { s: 'seconds', min: 'minutes', h: 'hours', d: 'days', wk: 'weeks', mo: 'months', a: 'years' };
const TIME_UNIT_ONE = { s: 'second', min: 'minute', h: 'hour', d: 'day', wk: 'week', mo: 'month', a: 'year' };

/** A number as written, without float noise (0.30000000000000004 -> 0.3). */
export function num(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '';
  const rounded = Math.round(value * 1000) / 1000;
  return String(rounded);
}

/** UCUM unit codes as people read them: mg/kg/d -> mg/kg/day. */
export function unit(code) {
  if (!code) return '';
  return String(code).replace(/\/d$/, '/day').replace(/^d$/, 'days').replace(/\/wk$/, '/week');
}

export function quantity(q) {
  if (!q) return '';
  const u = q.code || q.unit || '';
  const comparator = q.comparator ? `${q.comparator} ` : '';
  return `${comparator}${num(q.value)}${u ? ' ' + unit(u) : ''}`.trim();
}

export function duration(q) {
  if (!q) return '';
  const code = q.code || q.unit;
  const words = q.value === 1 ? TIME_UNIT_ONE[code] : TIME_UNITS[code];
  return `${q.comparator ? q.comparator + ' ' : ''}${num(q.value)} ${words || q.unit || code || ''}`.trim();
}

export function range(r, asDuration) {
  if (!r) return '';
  const f = asDuration ? duration : quantity;
  if (r.low && r.high) {
    const lowCode = r.low.code || r.low.unit;
    const highCode = r.high.code || r.high.unit;
    if (lowCode === highCode) return `${num(r.low.value)} to ${f(r.high)}`;
    return `${f(r.low)} to ${f(r.high)}`;
  }
  if (r.low) return `at least ${f(r.low)}`;
  if (r.high) return `at most ${f(r.high)}`;
  return '';
}

export function ratio(r) {
  if (!r) return '';
  const den = r.denominator;
  if (den && den.value === 1) return `${quantity(r.numerator)} per ${TIME_UNIT_ONE[den.code] || unit(den.code || den.unit)}`;
  return `${quantity(r.numerator)} per ${quantity(den)}`;
}

/** Timing.repeat in words: "once or twice a day", "every 2 weeks", "for 24 to 48 hours". */
export function timing(t) {
  if (!t) return '';
  if (t.code && t.code.text) return t.code.text;
  const r = t.repeat || {};
  const parts = [];
  if (r.frequency !== undefined && r.period !== undefined) {
    const times = (n) => ({ 1: 'once', 2: 'twice', 3: 'three times', 4: 'four times' }[n] || `${n} times`);
    const per = r.period === 1 ? `a ${TIME_UNIT_ONE[r.periodUnit] || r.periodUnit}` : `every ${r.period} ${TIME_UNITS[r.periodUnit] || r.periodUnit}`;
    const freq = r.frequencyMax && r.frequencyMax !== r.frequency ? `${times(r.frequency)} or ${times(r.frequencyMax)}` : times(r.frequency);
    parts.push(`${freq} ${per}`);
  } else if (r.period !== undefined) {
    parts.push(`every ${r.period}${r.periodMax ? '-' + r.periodMax : ''} ${TIME_UNITS[r.periodUnit] || r.periodUnit}`);
  }
  if (r.boundsDuration) parts.push(`for ${duration(r.boundsDuration)}`);
  if (r.boundsRange) parts.push(`within ${range(r.boundsRange, true)}`);
  if (r.boundsPeriod) parts.push(`from ${r.boundsPeriod.start || '…'} to ${r.boundsPeriod.end || '…'}`);
  if (r.count) parts.push(`${r.count} times`);
  if (r.when) parts.push(`at ${r.when.join(', ')}`);
  if (t.event) parts.push(`on ${t.event.join(', ')}`);
  return parts.join(', ');
}

/** The text of a CodeableConcept: its text, else the first display, else system|code. */
export function concept(cc) {
  if (!cc) return '';
  if (cc.text) return cc.text;
  const c = (cc.coding || [])[0];
  return c ? (c.display || `${c.code}`) : '';
}

export function codingLabel(c) {
  if (!c) return '';
  return c.display ? `${c.display} (${c.code})` : c.code;
}

/** Short names for the code systems the content uses, so a code reads as "RxNorm 38400". */
const SYSTEM_NAMES = {
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://snomed.info/sct': 'SNOMED CT',
  'http://loinc.org': 'LOINC',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://www.whocc.no/atc': 'ATC',
  'http://unitsofmeasure.org': 'UCUM',
};

export function systemName(system) {
  if (!system) return '';
  if (SYSTEM_NAMES[system]) return SYSTEM_NAMES[system];
  const own = /\/CodeSystem\/([^/|]+)$/.exec(system);
  return own ? own[1] : system;
}

/** "weight-up-to-70kg" -> "Weight up to 70kg": element ids are slugs written to be read. */
export function humanize(slug) {
  if (!slug) return '';
  const words = String(slug).replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The last path segment of a canonical or reference ("http://.../PlanDefinition/x|1.0" -> "x"). */
export function tail(ref) {
  if (!ref) return '';
  return String(ref).split('|')[0].replace(/\/_history\/.*$/, '').split('/').pop();
}

/** The type in a reference or canonical ("http://.../PlanDefinition/x" -> "PlanDefinition"). */
export function refType(ref) {
  const parts = String(ref || '').split('|')[0].split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : '';
}

export function date(value) {
  return value ? String(value).slice(0, 10) : '';
}
