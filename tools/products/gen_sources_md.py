exec(open('gen_sources.py').read())
KEYS=[
('CODES','shared/reference/codes.md (project code list compiled 2026-11-21; in a clone without ../shared, the rows below carry its source ids)','The verified code list; "CODES §1c; S1; S2" means section 1c of codes.md, which cites S1 and S2'),
('S1','canvas-medical/canvas-plugins @ 344f0bcb924b2be7ffafb5ac7edf19d475704259 : canvas_sdk/value_set/v2026/medication.py','VSAC/eCQM value set expansions (eCQM Update 2025-05-08) with RxNorm names as comments; the row names the class and line'),
('S2','canvas-medical/canvas-plugins @ 344f0bcb924b2be7ffafb5ac7edf19d475704259 : canvas_sdk/value_set/v2022/medication.py','CMS136 "ADHD Medications" (OID 2.16.840.1.113883.3.464.1003.196.12.1171, eCQM Update 2021-05-06); the row names the line'),
('S3','canvas-medical/canvas-plugins @ 344f0bcb924b2be7ffafb5ac7edf19d475704259 : canvas_sdk/value_set/v2026/no_qdm_category_assigned.py','VSAC SNOMED CT and ICD-10-CM diagnosis expansions'),
('S4','cpicpgx/cpic-data @ 25e700028fcd5bfe1f2905852b236a34ca824888 : db/drug.sql','CPIC drug table (RxNorm, ATC)'),
('S5','kenhanscombe/ukbkings @ 5595b5896e8cc19b7874f2848ff5472512653c21 : data-raw/drugs/drugs.tsv','PharmGKB drugs.tsv, January 2022 copy (RxNorm, ATC)'),
('S6','ya-luotao/adhd-db @ 8c9fb9839e2c3318f32ba813b2b7a248ab2352ef : packages/rxnorm/cache/rxnorm-data.json','Cache of NLM RxNav responses, refreshed 2025-12-04 (IN, PIN, BN, SCDF, SBDF, SCD, SBD); the row names the cache entry'),
('S7','vanhungtran/atcddd @ 497422d99d3c45d804ec3bc384085bdad54d9006 : inst/extdata/WHO_ATC_codes_2026-07-14.csv','WHO ATC/DDD Index crawl'),
('S8','synthetichealth/synthea @ 033fe019a65158f6eb3d636db0f91841c58420f3 : src/main/resources/modules/attention_deficit_disorder.json','Synthea ADHD module'),
('S9','hl7ch/ch-term @ 788e193111d510adb7792011e59f84449e673277 : input/resources/valueset/ActivePharmaceuticalIngredient.xml','SNOMED CT substances'),
('S10','https://www.hl7.org/fhir/r4/valueset-observation-vitalsignresult.html','FHIR core vital-sign LOINC codes'),
('S11','HL7/genomics-reporting @ 1dbfb09bbdb7a8da9d6c7f14d4f00437afdf6ab8 : input/fsh/CGValueSets.fsh; @ 4fe02d0387b0245159d633981f180fe0d6b96081 : input/pages/Glossary.xml','LOINC pharmacogenomic codes and answers'),
('S12','HL7/fhir @ 06bd9f6ffe08096694a3424721006e5fdcd82d3a : source/servicerequest/servicerequest-example-pgx.xml','CYP2D6 LOINC order code'),
('S13','https://ncbi.nlm.nih.gov/books/NBK315951','NLM Medical Genetics Summaries, atomoxetine and CYP2D6'),
('S14','Strattera label copies (see codes.md S14)','Atomoxetine dosing'),
('S15','FDA Label SPL set id aedf408d-0f84-418d-9416-7c39ddb0d29a (see codes.md S15)','Viloxazine dosing'),
('S16','Guanfacine ER label copies (see codes.md S16)','Guanfacine ER dosing'),
('S17','https://www.fda.gov/drugs/drug-interactions-labeling/healthcare-professionals-fdas-examples-drugs-interact-cyp-enzymes-and-transporter-systems (and the copies codes.md S17 names)','CYP2D6 inhibitor classification'),
('S18','https://essentiahealth.testcatalog.org/show/LAB2D6CV-1','ARUP CYP2D6 lab LOINC mapping'),
('S19','davidanderson3/rxnorm-ingredients @ a8fcf13a679fa37073e8fa83e11d5e0d8cc07276 : web/data/<letter>.json','RxNorm ingredients with their clinical drugs (SCD) and branded drugs (SBD), built from NLM RxNorm Current Prescribable Content of 2025-10-06; the row names the file and the 0-based index of the ingredient entry (web/data/A.json is not in the snapshot read)'),
('S20','https://pro.uptodatefree.ir/show/116164','Copy of the Lexicomp/UpToDate table "Cytochrome P450 2D6 (CYP2D6) inhibitors" ("based upon US FDA guidance"): strong inhibitors bupropion, dacomitinib, fluoxetine, paroxetine, quinidine, tipranavir'),
('S21','https://helen.drbinhthanh.com/uptodate2/show/76992.html','Copy of the Lexicomp/UpToDate table "Cytochrome P450 3A (including 3A4) inhibitors and inducers" ("based upon US FDA guidance"; data for systemic forms): the strong inhibitors and inducers'),
('S22','https://doctorabad.com/uptodate/d/image.htm?imageKey=CARD%2F76992','The same table, 2018 version (adds boceprevir and telaprevir as strong inhibitors)'),
('S23','https://pmc.ncbi.nlm.nih.gov/articles/PMC9468573/table/cts13357-tbl-0001','Clin Transl Sci 2022;15(9):2075-2095, doi 10.1111/cts.13357, Table 1: strong CYP3A inducers'),
('S24','http://www.120ty.net/bencandy.php?aid=49517&fid=134&page=3','Copy of the older INTUNIV (guanfacine ER) label, section 2.7: examples of strong CYP3A4 inhibitors and inducers'),
('S25','https://reference.medscape.com/drug/intuniv-tenex-guanfacine-342384','Medscape guanfacine monograph: the ER label\'s dose changes with strong or moderate CYP3A4 inhibitors and inducers'),
('S26','https://www.clinicaladvisor.com/drug/intuniv/','Clinical Advisor INTUNIV label summary: strong and moderate CYP3A4 inhibitors (ketoconazole, fluconazole) and inducers (carbamazepine, rifampin, efavirenz)'),
('S27','https://medlibrary.org/lib/rx/meds/xadago-1/page/3/','XADAGO (safinamide) label copy, section 7: an MAO-B inhibitor, contraindicated with other MAO inhibitors'),
('S28','https://rxdruglabels.com/lib/rx/rx-meds/azilect-1/page/3/','AZILECT (rasagiline) label copy, sections 7.3-7.4: a selective MAO inhibitor'),
('S29','https://www.clinicaladvisor.com/home/web-exclusives/fda-warns-against-combining-methylene-blue-linezolid-with-ssris/','Report of the FDA warning: methylene blue and linezolid are reversible monoamine oxidase inhibitors'),
('S31','http://www.empr.com/news/new-dosing-recommendations-for-intuniv-with-concomitant-cyp3a4-modulators/article/508721/','MPR news of the FDA-approved INTUNIV label update: halve the dose with strong or moderate CYP3A4 inhibitors, up to double with strong or moderate inducers'),
('CH-LAB','hl7ch/ch-lab-report @ 1fc02200ffd9074583843fcfc27b3f80feaa922b : input/fsh/profiles/ChLabObservation_eGFR_CKD_EPI_2021.fsh','HL7 Switzerland lab report IG: LOINC eGFR codes of the CKD-EPI 2021 equations (creatinine; creatinine and cystatin C) with their LOINC long names'),
('CPG-EGFR','https://hl7.org/fhir/uv/cpg/STU1/ValueSet-ckd-valueset-egfr.html','HL7 FHIR Clinical Guidelines STU1 example value set "eGFR Lab Results" (LOINC eGFR codes, MDRD)'),
('HL7-ODF','https://terminology.hl7.org/CodeSystem-v3-orderableDrugForm.html; the same codes and displays are in HAPI FHIR\'s enum org.hl7.fhir.r4.model.codesystems.V3OrderableDrugForm (ca.uhn.hapi.fhir:org.hl7.fhir.r4:6.7.9)','HL7 v3 orderable drug form codes for Medication.form'),
('UCUM','https://ucum.org/ucum (The Unified Code for Units of Measure); curly-brace annotations such as {tablet} are UCUM annotations that mean 1','Units of quantities and strengths'),
('ISO3166','urn:iso:std:iso:3166 as FHIR R4 names it: https://hl7.org/fhir/R4/terminologies-systems.html','Country codes (jurisdiction US)'),
('FHIR-R4','https://hl7.org/fhir/R4/terminologies-systems.html and each code system\'s R4 page (e.g. https://hl7.org/fhir/R4/codesystem-action-type.html)','HL7 terminology code systems that FHIR R4 core defines'),
]
out=['# Source table of the external codes in fhir-resources','',
'Machine-readable: the content check (`org.adhdkb.content.CodeSources`) reads the two tables below and fails on any code of a non-adhdkb code system that some resource uses but the **Codes** table does not list, and on a row whose source id is not in the **Sources** table. One row per (system, code); the sources column lists source ids separated by `;`, each optionally followed by where in the source the code was read (class and line, or cache entry). Displays are the newest source\'s. The file is generated from the sources by `tools/products/run.sh` (run by hand, not a build step), then checked by hand; see README.md "Products".','',
'## Sources','','| id | location (repository @ commit : path, or URL) | what it is |','|---|---|---|']
for k,l,w in KEYS: out.append(f'| {k} | {l} | {w} |')
out+=['','## Codes','','| system | code | display | sources |','|---|---|---|---|']
for s,c,d,src in rows: out.append(f'| {s} | {c} | {d} | {src} |')
open('../../fhir-resources/SOURCES.md','w').write('\n'.join(out)+'\n')
used={re.split(r'[ ;]',x)[0] for r in rows for x in r[3].split('; ')}
print(used-{k for k,_,_ in KEYS})
