exec(open('products.py').read())
exec(open('comed.py').read())
CSP='../../fhir-resources/CodeSystem/rxnorm-fragment.json'
CMP='../../fhir-resources/ConceptMap/rxnorm-product-to-ingredient.json'
CMT='http://hl7.org/fhir/StructureDefinition/codesystem-concept-comments'
cs=json.load(open(CSP))
have={c['code']:c for c in cs['concept']}
def concept(code,disp,tty,src):
    return {'extension':[{'url':CMT,'valueString':'Source: '+src+' (fhir-resources/SOURCES.md).'}],'code':code,'display':disp,'property':[{'code':'TTY','valueString':tty}]}
new=[]
def srcstr(p): return '; '.join(f'{s} {d}' for s,d in p)
for c,p in P.items():
    if c in have:
        have[c]['display']=p['name']; continue
    new.append(concept(c,p['name'],p['tty'],srcstr(p['src'])))
ADHD_S6={'methylphenidate','amphetamine-mixed-salts','lisdexamfetamine','atomoxetine','guanfacine','clonidine','viloxazine'}
for c,(n,t,ing) in sorted(S6OTHER.items()):
    if c in have or c in P or 'chlorthalidone' in n: continue
    if t=='IN': continue
    new.append(concept(c,n,t,f'S6 {ing}'))
for c,(n,src) in sorted(COMED.items()):
    if c in have or c in P: continue
    new.append(concept(c,n,'SCD',srcstr(src)))
cs['concept'].extend(new)
cs['date']='2026-12-04'
cs['description']=('The RxNorm concepts that adhdkb content uses: the ingredients (IN), precise ingredients (PIN), brand names (BN), dose-form groups (SCDF, SBDF), clinical drugs (SCD) and branded drugs (SBD) of the ADHD medicines, and the ingredients and clinical drugs of the SSRIs, bupropion, quinidine and the MAOIs. '
 'It is a fragment, so a code missing here may still be valid RxNorm. Displays are the RxNorm normalized names of the newest source read; names can drift between RxNorm releases while the codes stay. '
 'Each concept names its sources; fhir-resources/SOURCES.md gives each source key as repository @ commit : path: VSAC/eCQM value sets (S1, S2), CPIC (S4), PharmGKB (S5), the NLM RxNav cache (S6) and Synthea (S8). Dexmethylphenidate 352372, dextroamphetamine 3288 and methamphetamine 6816 rest on PharmGKB alone and viloxazine 11196 on the RxNav cache alone; check them against an RxNorm release before production use.')
cs['property'][0]['description']='RxNorm term type: IN ingredient, PIN precise ingredient, BN brand name, SCDF/SBDF clinical/branded dose-form group, SCD semantic clinical drug, SBD semantic branded drug.'
cs['text']={'status':'generated','div':'<div xmlns="http://www.w3.org/1999/xhtml"><p><b>RxNorm codes used by adhdkb (fragment)</b></p><p>'+cs['description']+'</p><p>'+str(len(cs['concept']))+' concepts; the list is in the resource, one per concept with its term type and sources.</p></div>'}
json.dump(cs,open(CSP,'w'),indent=2,ensure_ascii=False); open(CSP,'a').write('\n')
cm=json.load(open(CMP))
g=cm['group'][0]; hv={e['code'] for e in g['element']}
for c,p in P.items():
    if c in hv: continue
    g['element'].append({'code':c,'display':p['name'],'target':[{'code':i,'display':INNAME[i],'equivalence':'wider'} for i in p['ins']]})
for e in g['element']:
    if e['code'] in P: e['display']=P[e['code']]['name']
cm['date']='2026-12-04'
cm['description']="Maps each RxNorm clinical drug (SCD) and branded drug (SBD) of a product with an ADHD ingredient (each has a Medication resource) to its RxNorm ingredients (IN), following the RxNorm 'has ingredient' relationship that the drug names show (a salt maps to its base ingredient; mixed amphetamine salts map to amphetamine and dextroamphetamine; serdexmethylphenidate/dexmethylphenidate maps to dexmethylphenidate, since no sourced code for serdexmethylphenidate was found). The equivalence is wider: the ingredient stands for every product that contains it. Products not labelled for ADHD (immediate-release guanfacine and clonidine, clonidine patches and injections) are mapped too. Sources: fhir-resources/SOURCES.md."
if 'text' in cm:
    cm['text']={'status':'generated','div':'<div xmlns="http://www.w3.org/1999/xhtml"><p><b>'+cm['title']+'</b></p><p>'+cm['description']+'</p><p>'+str(len(g['element']))+' products mapped.</p></div>'}
json.dump(cm,open(CMP,'w'),indent=2,ensure_ascii=False); open(CMP,'a').write('\n')
print(len(cs['concept']),len(new),len(g['element']))
