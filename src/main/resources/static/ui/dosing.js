// Reads MedicationKnowledge.administrationGuidelines as fhir-resources/README.md ("Structured dosing") defines it:
// one entry per patient band, dose roles from CodeSystem dose-role, daily amounts in mg/kg/d or mg/d, maxima as
// maxDosePerPeriod (several limits: all apply), titration intervals as extensions. Nothing here knows a number;
// every figure on the page comes out of the resource.

export const EXT = {
  statementSource: 'http://adhdkb.org/fhir/StructureDefinition/statement-source',
  relatedArtifact: 'http://adhdkb.org/fhir/StructureDefinition/related-artifact',
  titrationInterval: 'http://adhdkb.org/fhir/StructureDefinition/titration-interval',
  titrationIntervalRange: 'http://adhdkb.org/fhir/StructureDefinition/titration-interval-range',
};

const DOSE_ROLE = 'http://adhdkb.org/fhir/CodeSystem/dose-role';
const UCUM = 'http://unitsofmeasure.org';

export function extensions(element, url) {
  return ((element && element.extension) || []).filter((e) => e.url === url);
}

export function sourcesOf(element) {
  return extensions(element, EXT.statementSource).map((e) => e.valueString);
}

/** "mg/kg/d" -> {mass: 'mg', perKg: true}; "mg/d" or "mg" -> {mass: 'mg', perKg: false}; other units: null. */
export function parseDoseUnit(code) {
  const m = /^([a-zA-Z]+)(\/kg)?(\/d)?$/.exec(code || '');
  return m ? { mass: m[1], perKg: Boolean(m[2]) } : null;
}

const DAYS_PER = { h: 1 / 24, d: 1, wk: 7, mo: 30, a: 365 };

/** One bound of a patient characteristic: "<=70 kg" -> {op: '<=', value: 70, unit: 'kg'}. */
export function parseBound(text) {
  const m = /^\s*(<=|>=|<|>)\s*(-?[\d.]+)\s*(\S+)?\s*$/.exec(text || '');
  return m ? { op: m[1], value: Number(m[2]), unit: m[3] || '' } : null;
}

/**
 * A dose amount of a Dosage, or null: {value, perKg, mass, daily: true} from doseQuantity (daily by convention) or
 * a limit from maxDosePerPeriod converted to a per-day amount.
 */
function amountOf(dosage) {
  const dq = (dosage.doseAndRate || []).map((d) => d.doseQuantity).find(Boolean);
  if (dq && typeof dq.value === 'number') {
    const u = parseDoseUnit(dq.code || dq.unit);
    if (u) return { value: dq.value, perKg: u.perKg, mass: u.mass, code: dq.code || dq.unit };
  }
  const dr = (dosage.doseAndRate || []).map((d) => d.doseRange).find(Boolean);
  if (dr && dr.low && dr.high) {
    const u = parseDoseUnit(dr.low.code || dr.low.unit);
    if (u) return { value: dr.low.value, high: dr.high.value, perKg: u.perKg, mass: u.mass, code: dr.low.code || dr.low.unit };
  }
  const max = dosage.maxDosePerPeriod;
  if (max && max.numerator && typeof max.numerator.value === 'number') {
    const u = parseDoseUnit(max.numerator.code || max.numerator.unit);
    const den = max.denominator || { value: 1, code: 'd' };
    const days = (den.value || 1) * (DAYS_PER[den.code] || 1);
    if (u) {
      return { value: max.numerator.value / days, perKg: u.perKg, mass: u.mass, code: `${u.mass}${u.perKg ? '/kg' : ''}/d`, limit: true };
    }
  }
  return null;
}

function intervalsOf(dosage) {
  const list = [];
  for (const e of extensions(dosage, EXT.titrationInterval)) if (e.valueDuration) list.push({ kind: 'minimum', duration: e.valueDuration });
  for (const e of extensions(dosage, EXT.titrationIntervalRange)) if (e.valueRange) list.push({ kind: 'usual', range: e.valueRange });
  return list;
}

function roleOf(group) {
  const coding = ((group.type && group.type.coding) || []).find((c) => c.system === DOSE_ROLE) || ((group.type && group.type.coding) || [])[0];
  return { code: coding ? coding.code : '', label: (group.type && group.type.text) || (coding && (coding.display || coding.code)) || '' };
}

/**
 * Bands of a MedicationKnowledge: [{id, characteristics: [{label, code, system, bounds: [{op, value, unit}]}],
 * roles: {code: {label, statements: [{amount, text, timing, intervals, sources}]}}, sources}].
 */
export function readBands(mk) {
  return (mk.administrationGuidelines || []).map((g, index) => {
    const characteristics = (g.patientCharacteristics || []).map((pc) => {
      const cc = pc.characteristicCodeableConcept || {};
      const coding = (cc.coding || [])[0] || {};
      const values = Array.isArray(pc.value) ? pc.value : pc.value ? [pc.value] : [];
      const bounds = values.map((v) => (typeof v === 'string' ? parseBound(v) : null)).filter(Boolean);
      const quantity = pc.characteristicQuantity;
      return {
        label: cc.text || coding.display || coding.code || '',
        system: coding.system,
        code: coding.code,
        values,
        bounds,
        quantity,
      };
    });
    const roles = {};
    for (const group of g.dosage || []) {
      const role = roleOf(group);
      const entry = roles[role.code] || (roles[role.code] = { label: role.label, statements: [] });
      for (const dosage of group.dosage || []) {
        entry.statements.push({
          amount: amountOf(dosage),
          text: dosage.text || '',
          timing: dosage.timing,
          intervals: intervalsOf(dosage),
          sources: sourcesOf(dosage),
        });
      }
    }
    return {
      id: g.id || `band-${index + 1}`,
      characteristics,
      roles,
      sources: sourcesOf(g),
      indication: g.indicationCodeableConcept,
    };
  });
}

/** The body-weight interval a band covers, from characteristics whose bounds are in kg: {low, high, lowOpen, highOpen}. */
export function weightInterval(band) {
  const interval = { low: null, high: null };
  for (const c of band.characteristics) {
    for (const b of c.bounds) {
      if (b.unit !== 'kg') continue;
      if (b.op === '<=' || b.op === '<') interval.high = interval.high === null ? b.value : Math.min(interval.high, b.value);
      if (b.op === '>=' || b.op === '>') interval.low = interval.low === null ? b.value : Math.max(interval.low, b.value);
    }
  }
  return interval;
}

/** Characteristics that are neither a bound in kg nor a bound in years: a condition such as a CYP2D6 status. */
export function conditionsOf(band) {
  return band.characteristics.filter((c) => !c.bounds.length);
}

/** Daily amount of one statement at a body weight (mg/day), or null when it has no number. */
export function dailyAt(amount, weightKg) {
  if (!amount) return null;
  return amount.perKg ? amount.value * weightKg : amount.value;
}

/** The maximum daily dose at a weight: the lowest of all limits of the band (they all apply). */
export function maximumAt(band, weightKg) {
  const limits = ((band.roles['maximum-dose'] || {}).statements || []).map((s) => s.amount).filter(Boolean);
  if (!limits.length) return null;
  return Math.min(...limits.map((a) => dailyAt(a, weightKg)));
}

/** The lowest and highest daily amount of a role at a weight (a role may have several statements). */
export function roleRangeAt(band, role, weightKg) {
  const amounts = ((band.roles[role] || {}).statements || []).map((s) => s.amount).filter((a) => a && !a.limit);
  if (!amounts.length) return null;
  const values = amounts.flatMap((a) => (a.high !== undefined ? [dailyAt(a, weightKg), a.perKg ? a.high * weightKg : a.high] : [dailyAt(a, weightKg)]));
  return { low: Math.min(...values), high: Math.max(...values) };
}

/** The mass unit a band doses in (mg), from its first amount. */
export function massUnit(band) {
  for (const role of Object.values(band.roles)) for (const s of role.statements) if (s.amount) return s.amount.mass;
  return '';
}

/** Whether any amount of the band depends on body weight. */
export function isWeightBased(band) {
  return Object.values(band.roles).some((r) => r.statements.some((s) => s.amount && s.amount.perKg));
}

export { UCUM };
