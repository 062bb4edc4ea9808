exec(open('products.py').read())
import html, copy, re
VSD='../../fhir-resources/ValueSet'
cls1=cls['s1']
DATE='2026-12-04'
SRCNOTE="Every code and its source (repository @ commit : path and line) is listed in fhir-resources/SOURCES.md; the content check fails on a code that is not there."
def srcs_of(code):
    p=P.get(code)
    if p: return ', '.join(sorted(set(s for s,_ in p['src'])))
    return CM_SRC.get(code,'')
CM_SRC={'6901':'codes.md (S4, S5, S6)','352372':'codes.md (S5)','725':'codes.md (S5, S6)','3288':'codes.md (S5)','700810':'codes.md (S5, S6)','6816':'codes.md (S5)','38400':'codes.md (S4, S5, S6)','11196':'codes.md (S6)','40114':'codes.md (S5, S6)','2599':'codes.md (S5, S6)',
 '4493':'codes.md (S4, S5)','32937':'codes.md (S4, S5)','36437':'codes.md (S4, S5)','2556':'codes.md (S4, S5)','321988':'codes.md (S4, S5)','42355':'codes.md (S4, S5)','9068':'codes.md (S4, S5)','42347':'codes.md (S4, S5)'}
def order(codes):
    # ingredient first, then products sorted by name
    return sorted(codes,key=lambda c:(c not in INNAME and c not in CM_SRC, DISPLAY.get(c,'')))
DISPLAY={c:p['name'] for c,p in P.items()}
DISPLAY.update(INNAME)
DISPLAY.update({'4493':'fluoxetine','32937':'paroxetine','36437':'sertraline','2556':'citalopram','321988':'escitalopram','42355':'fluvoxamine','9068':'quinidine','42347':'bupropion'})
def write(vs_id,title,description,codes,template='methylphenidate-products',name=None,extra_html='',src_of=None,cites=()):
    path=f'{VSD}/{vs_id}.json'
    try: d=json.load(open(path))
    except FileNotFoundError:
        d=copy.deepcopy(json.load(open(f'{VSD}/{template}.json')))
        d['id']=vs_id; d['url']=f'http://adhdkb.org/fhir/ValueSet/{vs_id}'; d['name']=name
    d['title']=title; d['description']=description+' '+SRCNOTE; d['date']=DATE
    src_of=src_of or srcs_of
    rows=''.join(f"<tr><td>{c}</td><td>{html.escape(DISPLAY[c])}</td><td>{html.escape(src_of(c))}</td></tr>" for c in order(codes))
    d['text']={'status':'generated','div':f"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>{html.escape(title)}</b></p><p>{html.escape(d['description'])}</p>{extra_html}<p>{len(codes)} RxNorm codes:</p><table class=\"grid\"><tr><th>RxNorm code</th><th>Display</th><th>Sources</th></tr>{rows}</table></div>"}
    for e in d.get('extension',[]):
        ra=e.get('valueRelatedArtifact',{})
        if ra.get('label')=='reference-codes':
            ra['citation']='fhir-resources/SOURCES.md (the project source table: one row per code with its sources) and shared/reference/codes.md. Sources: S1 = CMS eCQM/VSAC medication value sets (eCQM Update 2025-05-08) and S2 = CMS136 ADHD Medications (eCQM Update 2021-05-06), both in canvas-medical/canvas-plugins @ 344f0bcb924b2be7ffafb5ac7edf19d475704259, canvas_sdk/value_set/v2026/medication.py and v2022/medication.py; S4 = CPIC drug table; S5 = PharmGKB drugs.tsv; S6 = cache of NLM RxNav responses (ya-luotao/adhd-db @ 8c9fb9839e2c3318f32ba813b2b7a248ab2352ef, packages/rxnorm/cache/rxnorm-data.json); S19 = RxNorm Current Prescribable Content by ingredient (davidanderson3/rxnorm-ingredients @ a8fcf13a679fa37073e8fa83e11d5e0d8cc07276, web/data).'
    for label,display in cites:  # the labels the set serves, cited first
        if not any(e.get('valueRelatedArtifact',{}).get('label')==label for e in d.get('extension',[])):
            d.setdefault('extension',[]).insert(0,{'url':'http://adhdkb.org/fhir/StructureDefinition/related-artifact','valueRelatedArtifact':{'type':'documentation','label':label,'display':display}})
    d['compose']={'include':[{'system':RX,'concept':[{'code':c,'display':DISPLAY[c]} for c in order(codes)]}]}
    with open(path,'w') as f: json.dump(d,f,indent=2,ensure_ascii=False); f.write('\n')
    return d
ING_VS={'6901':('methylphenidate-products','Methylphenidate','MethylphenidateProducts'),'352372':('dexmethylphenidate-products','Dexmethylphenidate','DexmethylphenidateProducts'),
 '725':('amphetamine-products','Amphetamine (mixed amphetamine salts and racemic amphetamine)','AmphetamineProducts'),'3288':('dextroamphetamine-products','Dextroamphetamine','DextroamphetamineProducts'),
 '700810':('lisdexamfetamine-products','Lisdexamfetamine','LisdexamfetamineProducts'),'6816':('methamphetamine-products','Methamphetamine','MethamphetamineProducts'),
 '38400':('atomoxetine-products','Atomoxetine','AtomoxetineProducts'),'11196':('viloxazine-products','Viloxazine','ViloxazineProducts'),'40114':('guanfacine-products','Guanfacine extended-release','GuanfacineProducts'),'2599':('clonidine-products','Clonidine extended-release','ClonidineProducts')}
STIM=['6901','352372','725','3288','700810','6816']; NONSTIM=['38400','11196','40114','2599']
adhd=[c for c,p in P.items() if p['adhd']]; notl=[c for c,p in P.items() if not p['adhd']]
for ing,(vid,label,nm) in ING_VS.items():
    codes=[ing]+[c for c in adhd if ing in P[c]['ins']]
    extra=''
    if ing in ('40114','2599'): extra=' Products of this ingredient that are not labelled for ADHD (immediate-release tablets, patches, injections, other extended-release forms) are left out on purpose; they are in adhd-ingredient-not-adhd-labelled.'
    if ing=='725': extra=' It holds the mixed amphetamine salts (Adderall, Adderall XR, Mydayis; these are also in dextroamphetamine-products, since they contain dextroamphetamine salts) and racemic amphetamine (Evekeo, Evekeo ODT, Adzenys, Dyanavel).'
    if ing=='3288': extra=' It holds dextroamphetamine alone and the mixed amphetamine salts, which contain dextroamphetamine saccharate and sulfate.'
    write(vid,f'{label} and its products',f'The RxNorm ingredient {INNAME[ing]} ({ing}) and every ADHD-labelled orderable product that contains it: the clinical drugs (SCD) of the VSAC/CMS expansions S1 and S2 and of the RxNav cache S6, and the branded drugs (SBD) that S6 gives. Each product has a Medication resource (Medication/rxnorm-{{code}}) with its form and strength.'+extra,codes,name=nm)
write('adhd-stimulants','ADHD stimulants','The RxNorm ingredients methylphenidate, dexmethylphenidate, amphetamine, dextroamphetamine, lisdexamfetamine and methamphetamine, and every ADHD-labelled product (SCD, SBD) that contains one of them: the union of the stimulant ingredient value sets.',STIM+[c for c in adhd if set(P[c]['ins'])&set(STIM)])
write('adhd-non-stimulants','ADHD non-stimulants','The RxNorm ingredients atomoxetine, viloxazine, guanfacine and clonidine, and every ADHD-labelled product (SCD, SBD) of them: atomoxetine capsules, viloxazine extended-release capsules, guanfacine extended-release tablets, clonidine 12-hour extended-release tablets and clonidine extended-release suspension. Immediate-release guanfacine and clonidine, clonidine patches and injections are not labelled for ADHD and are in adhd-ingredient-not-adhd-labelled instead.',NONSTIM+[c for c in adhd if set(P[c]['ins'])&set(NONSTIM)])
write('adhd-medications','ADHD medications','All ADHD medicines adhdkb knows, as RxNorm ingredients, clinical drugs (SCD) and branded drugs (SBD): the union of adhd-stimulants and adhd-non-stimulants. Use it to find out whether an order or a medication list holds an ADHD medicine. It holds every ADHD-labelled product of the CMS136 ADHD Medications value set (OID 2.16.840.1.113883.3.464.1003.196.12.1171, S2) and of the VSAC ingredient value sets (S1), plus the products and brands of the NLM RxNav cache (S6). Unlike CMS136 it leaves out the products that contain an ADHD ingredient but are not labelled for ADHD (immediate-release guanfacine and clonidine, clonidine patches and injections); they are in adhd-ingredient-not-adhd-labelled.',STIM+NONSTIM+adhd)
write('adhd-ingredient-not-adhd-labelled','Products with an ADHD ingredient that are not labelled for ADHD','Orderable RxNorm products (SCD, SBD) that contain guanfacine or clonidine but are not labelled by the US FDA for ADHD: immediate-release guanfacine and clonidine tablets, clonidine transdermal systems, injections, oral solution, the 24-hour 0.17 mg tablet and the 0.25 mg extended-release capsule. Most are given for high blood pressure. The guanfacine and clonidine extended-release labels say not to substitute them mg for mg. An order of one of these gets "not ADHD dosing" instead of an ADHD dose check. Each has a Medication resource.',notl,name='AdhdIngredientNotAdhdLabelled')
print(len(adhd),len(notl))
exec(open('comed.py').read())
for c,(n,_) in COMED.items(): DISPLAY.setdefault(c,n)
def comed_src(c):
    if c in CM_SRC: return CM_SRC[c]
    return '; '.join(f'{s} ({d})' for s,d in COMED[c][1])
ssri_p=[c for c in prods(*SSRI) if not re.search(r'\bescitalopram\b',COMED[c][0]) or True]
write('ssri-medications','Selective serotonin reuptake inhibitors','The RxNorm ingredients of the selective serotonin reuptake inhibitors (fluoxetine, paroxetine, sertraline, citalopram, escitalopram and fluvoxamine, WHO ATC group N06AB in codes.md; ingredients from CPIC S4 and PharmGKB S5) and every clinical drug (SCD) that contains one of them in the VSAC value sets Antidepressant Medication (OID 2.16.840.1.113883.3.464.1003.196.12.1213) and Antidepressants (OID 2.16.840.1.113762.1.4.1248.163), eCQM Update 2025-05-08, as packaged in canvas-plugins (S1 file). The products include combinations that contain an SSRI (e.g. olanzapine/fluoxetine), since they carry the same interaction. The guidance uses it to recognise an SSRI taken with atomoxetine. Branded SSRI products (SBD) are not listed: no public expansion of them was found.',['4493','32937','36437','2556','321988','42355']+ssri_p,src_of=comed_src)
cyp=prods('fluoxetine','paroxetine','bupropion')
write('strong-cyp2d6-inhibitors','Strong CYP2D6 inhibitors','Strong CYP2D6 inhibitors that the atomoxetine label names (paroxetine, fluoxetine, quinidine; codes.md section 2b) and that the FDA-based table names (bupropion, dacomitinib, tipranavir; S17, S20), as RxNorm ingredients (CPIC S4, PharmGKB S5, RxNorm prescribable content S19) and every clinical drug (SCD) that contains them: for fluoxetine, paroxetine and bupropion from the VSAC antidepressant value sets (S1 file, classes AntidepressantMedication and Antidepressants), for quinidine (including dextromethorphan/quinidine), dacomitinib and tipranavir from the RxNorm prescribable content (S19, with their branded drugs, SBD).',['4493','32937','9068','42347']+cyp+cyp2d6_more,src_of=comed_src)
mao=prods('phenelzine','tranylcypromine','isocarboxazid','selegiline')
write('mao-inhibitors','Monoamine oxidase inhibitors (MAOIs)','Monoamine oxidase inhibitors and other drugs that inhibit monoamine oxidase, which the stimulant and atomoxetine labels contraindicate now or within 14 days of stopping one: phenelzine, tranylcypromine, isocarboxazid and selegiline (the VSAC antidepressant value sets, S1 file, and the RxNorm prescribable content, S19), rasagiline and safinamide (MAO-B inhibitors; their labels, S27, S28), linezolid, and intravenous methylene blue (the DESOXYN label copy in this package names both; S29), as RxNorm ingredients (PharmGKB S5, S19) and the orderable products (SCD, SBD) that contain them (S19). Of methylene blue only the injections are listed, as the labels name intravenous methylene blue; its ingredient code is listed too, so that an order coded by ingredient is not missed.',sorted(set(mao+mao_more),key=int),name='MaoInhibitors',src_of=comed_src)
INTUNIV=[('label-intuniv','US FDA label, INTUNIV / guanfacine ER')]
write('strong-cyp3a4-inhibitors','Strong CYP3A4 inhibitors','Systemic drugs that strongly inhibit cytochrome P450 3A4, as the FDA-based classification table lists them (S21; boceprevir and telaprevir from its 2018 version, S22) and as the guanfacine ER label gives as examples (conivaptan, mibefradil; S24), as RxNorm ingredients (S19, PharmGKB S5, CPIC S4) and every orderable product (SCD, SBD) that contains one (S19), including combinations boosted with ritonavir or cobicistat; topical forms (ketoconazole shampoo, cream, gel, foam) are left out. The guanfacine ER label halves the dose with a strong or moderate CYP3A4 inhibitor: CodeSystem patient-characteristic binds its condition strong-cyp3a4-inhibitor to this set. Moderate inhibitors (e.g. fluconazole, erythromycin, diltiazem, verapamil) are not in it yet; atazanavir products other than atazanavir/cobicistat are not listed, as the source file of drugs starting with A was not available (fhir-resources/README.md).',cyp3a4_inhibitors,name='StrongCyp3a4Inhibitors',src_of=comed_src,cites=INTUNIV)
write('strong-cyp3a4-inducers','Strong CYP3A4 inducers','Drugs that strongly induce cytochrome P450 3A4, as the FDA-based classification table lists them (S21: carbamazepine, enzalutamide, fosphenytoin, lumacaftor, mitotane, phenobarbital, phenytoin, primidone, rifampin) and a review of strong CYP3A inducers adds (S23: ivosidenib, rifapentine), as RxNorm ingredients (S19, PharmGKB S5, CPIC S4) and every orderable product (SCD, SBD) that contains one (S19), including combinations such as belladonna alkaloids with phenobarbital and lumacaftor/ivacaftor. The guanfacine ER label allows up to double the dose with a strong or moderate CYP3A4 inducer: CodeSystem patient-characteristic binds its condition strong-cyp3a4-inducer to this set. Not listed: apalutamide (no sourced RxNorm code), St John\'s wort (no RxNorm drug code; moderate in S21), and moderate inducers such as efavirenz (fhir-resources/README.md).',cyp3a4_inducers,name='StrongCyp3a4Inducers',src_of=comed_src,cites=INTUNIV)
print('ssri',len(ssri_p),'cyp',len(cyp)+len(cyp2d6_more),'mao',len(set(mao+mao_more)),'cyp3a4',len(cyp3a4_inhibitors),len(cyp3a4_inducers))
