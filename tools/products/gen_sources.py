exec(open('products.py').read())
exec(open('comed.py').read())
import glob,re,collections
ROOT='../../fhir-resources'
SYS={'RxNorm':RX,'SNOMED CT':'http://snomed.info/sct','LOINC':'http://loinc.org','LOINC answer':'http://loinc.org','ICD-10-CM':'http://hl7.org/fhir/sid/icd-10-cm','ATC':'http://www.whocc.no/atc'}
# codes.md rows -> sources
CODESMD={}; CMDDISP={}
sec=''
for line in open('../../../shared/reference/codes.md'):
    m=re.match(r'^#{2,3} (\d+[a-z]?)\.',line)
    if m: sec=m.group(1)
    if not line.startswith('| ') or 'NOT verified' in line or 'partly verified' in line: continue
    cells=[c.strip() for c in line.strip().strip('|').split('|')]
    if len(cells)<4: continue
    sysname=re.sub(r' \(.*\)$','',cells[0])
    if sysname not in SYS: continue
    codes=[c.strip() for c in cells[1].split('/')]
    ids=sorted(set(re.findall(r'\bS\d+\b',cells[3])),key=lambda s:int(s[1:]))
    disps=[d.strip() for d in cells[2].split(' / ')]
    for n,c in enumerate(codes):
        CODESMD[(SYS[sysname],c)]=f"CODES §{sec}" + ('; '+'; '.join(ids) if ids else '')
        CMDDISP[(SYS[sysname],c)]=disps[n] if len(disps)==len(codes) else cells[2].strip()
# every coded element in the content
USED=collections.defaultdict(set); DISP={}
def note(system,code,display,f):
    if system.startswith('http://adhdkb.org/'): return
    USED[(system,code)].add(f)
    if display and (system,code) not in DISP: DISP[(system,code)]=display
def walk(o,f):
    if isinstance(o,dict):
        if isinstance(o.get('system'),str) and isinstance(o.get('code'),str): note(o['system'],o['code'],o.get('display') or o.get('unit'),f)
        for v in o.values(): walk(v,f)
    elif isinstance(o,list):
        for v in o: walk(v,f)
for f in sorted(glob.glob(ROOT+'/*/*.json')):
    rel=f[len(ROOT)+1:]
    d=json.load(open(f)); walk(d,rel)
    t=d['resourceType']
    if t=='ValueSet':
        for i in d.get('compose',{}).get('include',[]):
            for c in i.get('concept',[]): note(i.get('system',''),c['code'],c.get('display'),rel)
    if t=='CodeSystem' and not d['url'].startswith('http://adhdkb.org/'):
        def cw(cs):
            for c in cs:
                note(d['url'],c['code'],c.get('display'),rel); cw(c.get('concept',[]))
        cw(d.get('concept',[]))
    if t=='ConceptMap':
        for g in d['group']:
            for e in g['element']:
                note(g['source'],e['code'],e.get('display'),rel)
                for tg in e.get('target',[]): note(g['target'],tg['code'],tg.get('display'),rel)
OTHER={ # source keys for standard FHIR/HL7 code systems
 'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm':'HL7-ODF',
 'http://unitsofmeasure.org':'UCUM','urn:iso:std:iso:3166':'ISO3166',
 'http://terminology.hl7.org/CodeSystem/action-type':'FHIR-R4','http://terminology.hl7.org/CodeSystem/goal-priority':'FHIR-R4',
 'http://terminology.hl7.org/CodeSystem/library-type':'FHIR-R4','http://terminology.hl7.org/CodeSystem/plan-definition-type':'FHIR-R4',
 'http://terminology.hl7.org/CodeSystem/observation-category':'FHIR-R4','http://terminology.hl7.org/CodeSystem/usage-context-type':'FHIR-R4'}
# codes read by hand in a source outside codes.md (SOURCES.md names the source): eGFR results for the renal conditions
HAND={('http://loinc.org',c):k for c,k in [('98979-8','CH-LAB'),('98980-6','CH-LAB'),('33914-3','CPG-EGFR'),('77147-7','CPG-EGFR'),('76633-7','CPG-EGFR')]}
rows=[]; missing=[]
for (s,c),files in sorted(USED.items()):
    src=[]
    if (s,c) in CODESMD: src.append(CODESMD[(s,c)])
    if s==RX and c in P: src+= [f'{k} {d}' for k,d in P[c]['src'] if not (src and k in src[0] and False)]
    if s==RX and c in COMED and c not in P: src+=[f'{k} {d}' for k,d in COMED[c][1]]
    if s==RX and c in S6OTHER and c not in P and not src: src.append(f'S6 {S6OTHER[c][2]} ({S6OTHER[c][1]})')
    if s in OTHER: src.append(OTHER[s])
    if (s,c) in HAND: src.append(HAND[(s,c)])
    disp=DISP.get((s,c),'')
    if s==RX and c in P: disp=P[c]['name']
    if not src: missing.append((s,c,disp,sorted(files)[:3])); continue
    rows.append((s,c,disp,'; '.join(src)))
# codes.md codes no resource uses yet: listed too, so that content added later finds them sourced
for (s,c),src in CODESMD.items():
    if (s,c) not in USED:
        rows.append((s,c,re.sub(r'\s*\((?:DDD|the WHO|extra|optional)[^)]*\)','',CMDDISP[(s,c)]).replace('*','').strip(),src))
rows.sort()
json.dump({'rows':rows,'missing':missing},open('work/sources.json','w'),indent=1)
print(len(rows),'missing',len(missing))
for m in missing: print(m)
# a code without a source would silently lose its row (and the content check then fails on it): stop here instead
if missing: raise SystemExit('codes without a source: name their source in OTHER or HAND above, then run again')
