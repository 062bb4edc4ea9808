import json,re
cls=json.load(open('work/classes.json'))
COMED={}  # code -> (name, [(src, detail)])
for k in ['AntidepressantMedication','Antidepressants']:
    for c,(n,l) in cls['s1'][k]['codes'].items():
        COMED.setdefault(c,[n,[]])[1].append(('S1',f'{k} l.{l}'))
def prods(*ings):
    return sorted(c for c,(n,_) in COMED.items() if any(re.search(r'\b'+i+r'\b',n) for i in ings))
SSRI=['fluoxetine','paroxetine','sertraline','citalopram','escitalopram','fluvoxamine']
