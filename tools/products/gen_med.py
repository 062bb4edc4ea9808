exec(open('products.py').read())
import html, os
OUT='../../fhir-resources/Medication'
os.makedirs(OUT,exist_ok=True)
ODF='http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm'
ODFD={'ORTAB':'Oral Tablet','ORCAP':'Oral Capsule','CHEWTAB':'Chewable Tablet','ERTAB':'Extended Release Tablet','ERTAB12':'12 Hour Extended Release Tablet','ERTAB24':'24 Hour Extended Release Tablet','ERCAP':'Extended Release Capsule','ERCAP24':'24 Hour Extended Release Capsule','DISINTAB':'Disintegrating Tablet','ORALSOL':'Oral Solution','ERSUSP':'Extended-Release Suspension','ERSUSP24':'24 Hour Extended Release Suspension','TPATCH':'Transdermal Patch'}
def form_code(form,hours):
    f={'Oral Tablet':'ORTAB','Oral Capsule':'ORCAP','Chewable Tablet':'CHEWTAB','Disintegrating Oral Tablet':'DISINTAB','Oral Solution':'ORALSOL','Transdermal System':'TPATCH',
       'Chewable Extended Release Oral Tablet':'CHEWTAB'}.get(form)
    if f: return f
    if form=='Extended Release Oral Tablet': return {'24':'ERTAB24','12':'ERTAB12'}.get(hours,'ERTAB')
    if form=='Extended Release Oral Capsule': return {'24':'ERCAP24'}.get(hours,'ERCAP')
    if form=='Extended Release Suspension': return {'24':'ERSUSP24'}.get(hours,'ERSUSP')
    return None  # injections: no orderableDrugForm code read for them, the form is text only
UCUM='http://unitsofmeasure.org'
def num(d):
    return int(d) if d==d.to_integral_value() and '.' not in str(d) else float(str(d))
def denom(form):
    if form.endswith('Capsule'): return ('capsule','{capsule}')
    if 'Tablet' in form: return ('tablet','{tablet}')
    raise ValueError(form)
def strength(value,unit,form):
    n={'value':num(value),'unit':'mg','system':UCUM,'code':'mg'}
    if unit=='MG/ML': d={'value':1,'unit':'mL','system':UCUM,'code':'mL'}
    elif unit=='MG/HR': d={'value':1,'unit':'h','system':UCUM,'code':'h'}
    else:
        u,c=denom(form); d={'value':1,'unit':u,'system':UCUM,'code':c}
    return {'numerator':n,'denominator':d}
def fmt(q): return f"{q['value']} {q['unit']}"
def medication(p):
    pa=p['parsed']; code=p['code']
    fc=form_code(pa['form'],pa['hours'])
    form={'text':pa['form']}
    if fc: form={'coding':[{'system':ODF,'code':fc,'display':ODFD[fc]}],'text':pa['form']}
    ings=[]; rows=[]
    for ing,val,unit in pa['comps']:
        inn,pin=INGR[ing]
        cc={'text':ing}
        if pin: cc={'coding':[{'system':RX,'code':pin,'display':PINNAME[pin]}],'text':ing}
        elif inn: cc={'coding':[{'system':RX,'code':inn,'display':INNAME[inn]}],'text':ing}
        st=strength(val,unit,pa['form'])
        ings.append({'itemCodeableConcept':cc,'isActive':True,'strength':st})
        c=cc.get('coding',[{}])[0]
        rows.append(f"<tr><td>{html.escape(ing)}</td><td>{c.get('code','(no sourced code)')}</td><td>{fmt(st['numerator'])} per {st['denominator']['value']} {html.escape(st['denominator']['code'])}</td></tr>")
    extra=[]
    if pa['hours']: extra.append(f"Release or wear time in the RxNorm name: {pa['hours']} h.")
    if pa['volume_ml']: extra.append(f"Volume per unit in the RxNorm name: {pa['volume_ml']} mL.")
    if pa['release']: extra.append(f"Release profile in the RxNorm name: {html.escape(pa['release'])}.")
    if pa['brand']: extra.append(f"Brand: {html.escape(pa['brand'])} (RxNorm SBD).")
    if not p['adhd']: extra.append("Not labelled for ADHD: listed in the value set adhd-ingredient-not-adhd-labelled, so no ADHD dosing applies.")
    src='; '.join(f"{s} ({d})" for s,d in p['src'])
    div=(f"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p><b>{html.escape(p['name'])}</b></p>"
         f"<p>RxNorm {p['tty']} {code}. Form: {html.escape(pa['form'])}{' (v3 orderableDrugForm '+fc+')' if fc else ''}. {' '.join(extra)}</p>"
         "<table class=\"grid\"><tr><th>Ingredient</th><th>RxNorm</th><th>Strength</th></tr>"+''.join(rows)+"</table>"
         f"<p>Sources (fhir-resources/SOURCES.md): {html.escape(src)}.</p></div>")
    # A server-independent business identifier: HAPI's package installer finds an installed copy of a resource
    # without a canonical url by its identifier, and cannot install it without one.
    ident=[{'system':'urn:ietf:rfc:3986','value':f'http://adhdkb.org/fhir/Medication/rxnorm-{code}'}]
    return {'resourceType':'Medication','id':f'rxnorm-{code}','text':{'status':'generated','div':div},'identifier':ident,
            'code':{'coding':[{'system':RX,'code':code,'display':p['name']}],'text':p['name']},
            'status':'active','form':form,'ingredient':ings}
for p in P.values():
    with open(f"{OUT}/rxnorm-{p['code']}.json",'w') as f:
        json.dump(medication(p),f,indent=2,ensure_ascii=False); f.write('\n')
print(len(P))
