"""Builds the product universe from S1, S2, S6 (read from the fetched mirrors)."""
import json, re
from decimal import Decimal
RX='http://www.nlm.nih.gov/research/umls/rxnorm'
cls=json.load(open('work/classes.json'))
s6=json.load(open('work/s6.json'))
S1K=['Atomoxetine','Clonidine','Dexmethylphenidate','Dextroamphetamine','GuanfacineMedications','Lisdexamfetamine','Methylphenidate','Viloxazine']
P={}
def add(code,name,tty,src):
    p=P.setdefault(code,{'code':code,'names':{},'tty':tty,'src':[]})
    p['names'][src[0]]=name; p['src'].append(src)
    if tty and not p['tty']: p['tty']=tty
for k in S1K:
    for c,(n,l) in cls['s1'][k]['codes'].items(): add(c,n,'SCD',('S1',f'{k} l.{l}'))
for c,(n,l) in cls['s2']['AdhdMedications']['codes'].items(): add(c,n,'SCD',('S2',f'AdhdMedications l.{l}'))
S6OTHER={}
for ing,v in s6.items():
    for m in v['rxcuiMappings']:
        if m['tty'] in ('SCD','SBD'):
            if 'chlorthalidone' in m['name']: continue
            add(m['rxcui'],m['name'],m['tty'],('S6',ing))
        else:
            S6OTHER[m['rxcui']]=(m['name'],m['tty'],ing)
P.pop('1092566',None)  # a starter pack of two products, no single strength
INGR={ # ingredient name as RxNorm writes it in the product name -> (IN code, PIN code or None)
 'methylphenidate hydrochloride':('6901','203188'),'methylphenidate':('6901',None),
 'dexmethylphenidate hydrochloride':('352372',None),'dexmethylphenidate':('352372',None),
 'serdexmethylphenidate':(None,None),
 'amphetamine aspartate':('725','221057'),'amphetamine sulfate':('725','81952'),'amphetamine':('725',None),
 'dextroamphetamine saccharate':('3288',None),'dextroamphetamine sulfate':('3288',None),
 'lisdexamfetamine dimesylate':('700810','673579'),'methamphetamine hydrochloride':('6816',None),
 'atomoxetine':('38400',None),'viloxazine':('11196',None),'guanfacine':('40114',None),
 'clonidine hydrochloride':('2599','142432'),'clonidine':('2599',None)}
INNAME={'6901':'methylphenidate','352372':'dexmethylphenidate','725':'amphetamine','3288':'dextroamphetamine','700810':'lisdexamfetamine','6816':'methamphetamine','38400':'atomoxetine','11196':'viloxazine','40114':'guanfacine','2599':'clonidine'}
PINNAME={'203188':'methylphenidate hydrochloride','221057':'amphetamine aspartate','81952':'amphetamine sulfate','673579':'lisdexamfetamine dimesylate','142432':'clonidine hydrochloride'}
PRE=re.compile(r'^(?P<rel>\d+/\d+ Release |3-Bead |Evening Dosing |BX Rating )?(?:(?P<hr>\d+) HR )?(?:(?P<ml>\d+) ML )?(?P<rest>.*)$')
COMP=re.compile(r'^(?P<ing>[a-z ]+?) (?P<num>\d+(?:\.\d+)?) (?P<unit>MG/ML|MG/HR|MG)$')
def parse(name):
    brand=None
    m=re.match(r'^(.*) \[(.+)\]$',name)
    if m: name,brand=m.group(1),m.group(2)
    m=PRE.match(name); rest=m.group('rest')
    # the dose form is what follows the last strength unit
    mm=re.match(r'^(.*\d (?:MG/ML|MG/HR|MG)) (.+)$',rest)
    comps_s,form=mm.group(1),mm.group(2)
    comps=[]
    for c in comps_s.split(' / '):
        cm=COMP.match(c); assert cm,(name,c)
        comps.append((cm.group('ing'),Decimal(cm.group('num')),cm.group('unit')))
    return dict(brand=brand,release=(m.group('rel') or '').strip(),hours=m.group('hr'),volume_ml=m.group('ml'),comps=comps,form=form)
for code,p in P.items():
    p['name']=p['names'].get('S1') or p['names'].get('S6') or p['names'].get('S2')
    p['parsed']=parse(p['name'])
    ins=[]
    for ing,_,_ in p['parsed']['comps']:
        i=INGR[ing][0]
        if i and i not in ins: ins.append(i)
    p['ins']=ins
    n=p['name']; form=p['parsed']['form']
    if '2599' in ins:
        p['adhd']=('12 HR clonidine hydrochloride' in n and 'Extended Release Oral Tablet' in n) or ('Extended Release Suspension' in n)
    elif '40114' in ins:
        p['adhd']='Extended Release' in n
    else: p['adhd']=True
