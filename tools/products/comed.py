import json,re
cls=json.load(open('work/classes.json'))
COMED={}  # code -> (name, [(src, detail)])
for k in ['AntidepressantMedication','Antidepressants']:
    for c,(n,l) in cls['s1'][k]['codes'].items():
        COMED.setdefault(c,[n,[]])[1].append(('S1',f'{k} l.{l}'))
def prods(*ings):
    return sorted(c for c,(n,_) in COMED.items() if any(re.search(r'\b'+i+r'\b',n) for i in ings))
SSRI=['fluoxetine','paroxetine','sertraline','citalopram','escitalopram','fluvoxamine']

# Co-medication sets beyond the antidepressant value sets: ingredient codes and the orderable products (SCD, SBD)
# that contain them, from the RxNorm Current Prescribable Content browser data (S19, one JSON file per letter),
# cross-checked with CPIC (S4) and PharmGKB (S5). Which drugs belong to each set is a clinical classification,
# sourced in SOURCES.md (S20-S30) and fhir-resources/README.md; this only finds their codes.
S19={}  # letter -> list of ingredient entries
def s19(letter):
    if letter not in S19:
        try: S19[letter]=json.load(open(f'work/s19-{letter}.json'))
        except FileNotFoundError: S19[letter]=[]  # A.json is not in the source snapshot
    return S19[letter]
S5_LINES=open('work/s5.tsv').read().split('\n')
S4_LINES=open('work/s4.sql').read().split('\n')
def s5_line(cui,name):
    for n,l in enumerate(S5_LINES,1):
        cells=l.split('\t')
        if len(cells)>21 and cells[1].lower()==name and cui in re.split(r'[,\s"]+',cells[21]): return n
def s4_line(cui,name):
    for n,l in enumerate(S4_LINES,1):
        cells=l.split('\t')
        if len(cells)>3 and cells[0]==f'RxNorm:{cui}' and cells[1].lower()==name: return n
def s5_code(name):
    """PharmGKB's RxNorm id of a drug of that name, when it gives exactly one."""
    for l in S5_LINES:
        cells=l.split('\t')
        if len(cells)>21 and cells[1].lower()==name:
            ids=[c for c in re.split(r'[,\s"]+',cells[21]) if c]
            return ids[0] if len(ids)==1 else None
NOT_SYSTEMIC=re.compile(r'Topical|Shampoo|Ophthalmic|Otic|Vaginal|Rectal|Mouthwash|Cutaneous|Medicated Pad|Soap|Drug Implant',re.I)
EXTRA={}  # code -> [name, [(src, detail)]]
def add(code,name,src,detail):
    e=EXTRA.setdefault(code,[name,[]])
    if (src,detail) not in e[1]: e[1].append((src,detail))
def ingredient(name,keep=lambda scd:not NOT_SYSTEMIC.search(scd),with_ingredient=True):
    """The ingredient's code (unless only some of its products belong) and the products that contain it."""
    letter=name[0].upper(); codes=[]
    entries=[(i,e) for i,e in enumerate(s19(letter)) if e['Name'].lower()==name]
    for i,e in entries:
        if with_ingredient:
            add(e['RXCUI'],e['Name'],'S19',f'{letter}.json entry {i} "{e["Name"]}", TTY {e["TTY"]}')
            codes.append(e['RXCUI'])
        for scdc in e.get('SCDCs',[]):
            for scd in scdc.get('SCDs',[]):
                if not keep(scd['Name']): continue
                add(scd['RXCUI'],scd['Name'],'S19',f'{letter}.json under entry {i} "{e["Name"]}", SCD'); codes.append(scd['RXCUI'])
                for sbd in scd.get('SBDs',[]):
                    add(sbd['RXCUI'],sbd['Name'],'S19',f'{letter}.json under entry {i} "{e["Name"]}", SBD'); codes.append(sbd['RXCUI'])
    cui=entries[0][1]['RXCUI'] if entries else s5_code(name)  # not in S19's snapshot: PharmGKB's code
    if cui and with_ingredient:
        n5=s5_line(cui,name); n4=s4_line(cui,name)
        if n5: add(cui,name,'S5',f'drugs.tsv line {n5}')
        if n4: add(cui,name,'S4',f'drug.sql line {n4}')
        if cui in EXTRA: codes.append(cui)
    return sorted(set(codes),key=int)
def ingredients(names,**kw):
    return sorted({c for n in names for c in ingredient(n,**kw)},key=int)
CYP3A4_INHIBITORS=['atazanavir','boceprevir','ceritinib','clarithromycin','cobicistat','conivaptan','darunavir','idelalisib',
    'indinavir','itraconazole','ketoconazole','lonafarnib','lopinavir','mibefradil','mifepristone','nefazodone','nelfinavir',
    'posaconazole','ritonavir','saquinavir','telaprevir','telithromycin','tucatinib','voriconazole']
CYP3A4_INDUCERS=['apalutamide','carbamazepine','enzalutamide','fosphenytoin','ivosidenib','lumacaftor','mitotane',
    'phenobarbital','phenytoin','primidone','rifampin','rifapentine']
cyp3a4_inhibitors=ingredients(CYP3A4_INHIBITORS)
cyp3a4_inducers=ingredients(CYP3A4_INDUCERS)
# Moderate ones (S21; S22 is its 2018 version): the current INTUNIV label adjusts the dose for them too (S31, S25).
# netupitant covers fosnetupitant/palonosetron; isavuconazonium is RxNorm's name for isavuconazole.
CYP3A4_MODERATE_INHIBITORS=['amiodarone','aprepitant','berotralstat','cimetidine','crizotinib','cyclosporine','diltiazem',
    'dronedarone','duvelisib','erythromycin','fedratinib','fluconazole','fosamprenavir','fosaprepitant','imatinib',
    'isavuconazonium','lefamulin','letermovir','netupitant','nilotinib','ribociclib','verapamil']
CYP3A4_MODERATE_INDUCERS=['bexarotene','bosentan','cenobamate','dabrafenib','dexamethasone','efavirenz','eslicarbazepine',
    'etravirine','lorlatinib','modafinil','nafcillin','pexidartinib','rifabutin','sotorasib']
cyp3a4_moderate_inhibitors=ingredients(CYP3A4_MODERATE_INHIBITORS)
# the table names the elagolix, estradiol and norethindrone pack, not elagolix alone
cyp3a4_moderate_inducers=ingredients(CYP3A4_MODERATE_INDUCERS)+ingredient('elagolix',keep=lambda scd:'estradiol' in scd,with_ingredient=False)
cyp2d6_more=ingredients(['dacomitinib','quinidine','tipranavir'])
cyp2d6_ssri_more=ingredients(['bupropion','fluoxetine','paroxetine'])
ssri_more=ingredients(SSRI)
mao_more=ingredients(['isocarboxazid','linezolid','phenelzine','rasagiline','safinamide','selegiline','tranylcypromine'])
# methylene blue: the labels name intravenous methylene blue, so its injections only, not the oral urinary antiseptics
mao_more+=ingredient('methylene blue',keep=lambda scd:'Inject' in scd or 'Prefilled Syringe' in scd)
for c,(n,s) in EXTRA.items():
    e=COMED.setdefault(c,[n,[]])
    for x in s:
        if x not in e[1]: e[1].append(x)
