// The few identifiers the try-it form needs to write a patient record the way an EHR would. Each code is one that
// shared/reference/codes.md names (section 5: LOINC body weight 29463-7, blood pressure panel 85354-9 with systolic
// 8480-6 and diastolic 8462-4; section 5b: 53040-2, the metabolizer phenotype); the value-set ids are the content's
// own (fhir-resources/ValueSet). No dose, limit or rule is here: the pages read those from the server.

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

export const BODY_WEIGHT = { system: LOINC, code: '29463-7', display: 'Body weight' };
export const METABOLIZER_PHENOTYPE = { system: LOINC, code: '53040-2', display: "Genetic variation's effect on drug metabolism" };
export const BLOOD_PRESSURE_PANEL = '85354-9';
export const SYSTOLIC = { system: LOINC, code: '8480-6', display: 'Systolic blood pressure' };
export const DIASTOLIC = { system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' };

export const VALUE_SETS = {
  phenotypes: 'cyp2d6-metabolizer-phenotypes',
  observations: 'adhd-monitoring-observations',
  findings: 'non-stimulant-reasons',
};
