# The chart bench/run.sh and bench/cpu-per-call.sh measure patient-view on: a 13-year-old on OROS methylphenidate
# 36 mg (RxNorm 1091185) since June, 18 mg before, with weight, blood pressure and heart rate after the change, the
# chart a clinician opens most days. Sourced; the caller defines put PATH JSON (a PUT to its server's /fhir).
teen_chart() {
  put Patient/bench-teen '{"resourceType":"Patient","id":"bench-teen","birthDate":"2013-03-01"}'
  vital() { # id loinc value unit ucum date
    put "Observation/$1" '{"resourceType":"Observation","id":"'$1'","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"'$2'"}]},"subject":{"reference":"Patient/bench-teen"},"effectiveDateTime":"'$6'","valueQuantity":{"value":'$3',"unit":"'$4'","system":"http://unitsofmeasure.org","code":"'$5'"}}'
  }
  vital bench-teen-weight-1 29463-7 41 kg kg 2026-03-01
  vital bench-teen-weight-2 29463-7 43 kg kg 2026-10-01
  vital bench-teen-height 8302-2 155 cm cm 2026-10-01
  vital bench-teen-systolic 8480-6 112 mmHg mm[Hg] 2026-10-01
  vital bench-teen-diastolic 8462-4 70 mmHg mm[Hg] 2026-10-01
  vital bench-teen-heart-rate 8867-4 88 /min /min 2026-10-01
  order() { # id rxnorm status authored
    put "MedicationRequest/$1" '{"resourceType":"MedicationRequest","id":"'$1'","status":"'$3'","intent":"order","subject":{"reference":"Patient/bench-teen"},"authoredOn":"'$4'","medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"'$2'"}]},"dosageInstruction":[{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d","when":["MORN"]}},"doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet","system":"http://unitsofmeasure.org","code":"{tablet}"}}]}]}'
  }
  order bench-teen-oros-18 1091155 stopped 2026-03-01
  order bench-teen-oros-36 1091185 active 2026-06-01
}
