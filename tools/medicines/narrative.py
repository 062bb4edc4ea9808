#!/usr/bin/env python3
"""Writes the generated narrative (text.div) of MedicationKnowledge files from their structured content.

Usage: tools/medicines/narrative.py [--check] FILE...
With --check it only reports the files whose narrative differs from what the content says.
The narrative is written from the elements a reader needs (codes, products, classification, the dosing table per
band, monitoring, characteristics, contraindications, related medicines, regulatory status, sources), so an edit of
the dosing cannot leave a stale narrative behind.
"""
import html
import json
import sys

SOURCE = "http://adhdkb.org/fhir/StructureDefinition/statement-source"
RELATED = "http://adhdkb.org/fhir/StructureDefinition/related-artifact"
INTERVAL = "http://adhdkb.org/fhir/StructureDefinition/titration-interval"
INTERVAL_RANGE = "http://adhdkb.org/fhir/StructureDefinition/titration-interval-range"
USUAL = "http://adhdkb.org/fhir/StructureDefinition/usual-limit"
PRODUCT_LINE = "http://adhdkb.org/fhir/CodeSystem/product-line"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

DOSING_INTRO = ('<p><b>Dosing for ADHD</b> (every characteristic of a band must hold for the band to apply; a band for a '
                'condition such as organ impairment or an interacting medicine is the more specific rule for a patient who '
                'also matches a plain age or weight band; every maximum of every matching band applies and the lowest '
                'wins; a maximum marked "usual ceiling" is the label\'s "only in rare cases exceeded", not an absolute '
                'limit; a band marked "not recommended" gives no dose because the label does not recommend the product '
                'for those patients):</p>')
COUNTS = {1: "once", 2: "twice", 3: "three times", 4: "four times"}
WHEN = {"MORN": " in the morning", "HS": " at bedtime", "EVE": " in the evening", "NIGHT": " at night"}
UNITS = {"d": ("day", "days"), "wk": ("week", "weeks"), "h": ("hour", "hours"), "mo": ("month", "months")}


def e(text):
    return html.escape(str(text), quote=True)


def num(value):
    text = f"{value}"
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text


def sources(element):
    return [x["valueString"] for x in element.get("extension", []) if x["url"] == SOURCE]


def cited(element):
    found = sources(element)
    return f" [{', '.join(found)}]" if found else ""


def coding_text(coding):
    if coding["system"] == PRODUCT_LINE:
        return f"adhdkb product line {coding['code']} {coding.get('display', '')}".rstrip()
    if coding["system"] == RXNORM:
        return f"RxNorm {coding['code']} {coding.get('display', '')}".rstrip()
    return f"{coding['code']} {coding.get('display', '')}".rstrip()


def applies_when(band):
    parts = []
    for characteristic in band.get("patientCharacteristics", []):
        concept = characteristic["characteristicCodeableConcept"]
        name = concept.get("text") or concept["coding"][0].get("display") or concept["coding"][0]["code"]
        bounds = characteristic.get("value", [])
        if not bounds:
            parts.append(name)
            continue
        words = []
        for bound in bounds:
            op, rest = (bound[:2], bound[2:]) if bound[:2] in ("<=", ">=") else (bound[:1], bound[1:])
            value, unit = rest.strip().split(" ")
            unit = {"a": "years", "kg": "kg"}.get(unit, unit)
            symbol = {"<=": "≤", ">=": "≥", "<": "<", ">": ">"}[op]
            words.append(f"{symbol} {value} {unit}")
        parts.append(f"{name} " + " and ".join(words))
    return "; ".join(parts)


def timing(dosage):
    if "timing" not in dosage:
        return "as the details say"
    repeat = dosage["timing"].get("repeat", {})
    low, high = repeat.get("frequency"), repeat.get("frequencyMax")
    count = COUNTS.get(low, f"{low} times")
    text = f"{count} to {COUNTS.get(high, f'{high} times')} daily" if high else f"{count} daily"
    for when in repeat.get("when", []):
        text += WHEN.get(when, f" ({when})")
    if "duration" in repeat:
        text += f", worn up to {num(repeat['duration'])} {repeat.get('durationUnit', '')}"
    return text


def duration(quantity):
    value = quantity["value"]
    singular, plural = UNITS.get(quantity["code"], (quantity["code"], quantity["code"]))
    return f"{num(value)} {singular if value == 1 else plural}"


def wait(dosage):
    parts = []
    for extension in dosage.get("extension", []):
        if extension["url"] == INTERVAL:
            parts.append("at least " + duration(extension["valueDuration"]))
        elif extension["url"] == INTERVAL_RANGE:
            low, high = extension["valueRange"]["low"], extension["valueRange"]["high"]
            parts.append(f"usually {num(low['value'])}-{duration(high)}")
    return "; ".join(parts)


def dose(role, dosage):
    if role == "maximum-dose" and "maxDosePerPeriod" in dosage:
        numerator = dosage["maxDosePerPeriod"]["numerator"]
        text = f"at most {num(numerator['value'])} {numerator['code']} per day"
        if any(x["url"] == USUAL and x.get("valueBoolean") for x in dosage.get("extension", [])):
            text += " (usual ceiling, not an absolute maximum)"
        return text
    if role == "not-recommended":
        return "not recommended"
    for dose_and_rate in dosage.get("doseAndRate", []):
        if "doseQuantity" in dose_and_rate:
            quantity = dose_and_rate["doseQuantity"]
            return f"{num(quantity['value'])} {quantity['code']}"
        if "doseRange" in dose_and_rate:
            low, high = dose_and_rate["doseRange"]["low"], dose_and_rate["doseRange"]["high"]
            return f"{num(low['value'])}-{num(high['value'])} {high['code']}"
    return ""


def details(dosage):
    text = dosage.get("text", "")
    for instruction in dosage.get("additionalInstruction", []):
        text += " " + instruction["text"].rstrip(".") + "."
    return text


def dosing_table(medicine):
    rows = ['<table><tr><th>Band</th><th>Applies when</th><th>Role</th><th>Dose (daily)</th><th>Timing</th>'
            '<th>Wait before this step</th><th>Details</th><th>Sources</th></tr>']
    for band in medicine.get("administrationGuidelines", []):
        when = applies_when(band)
        for group in band.get("dosage", []):
            role = group["type"]["coding"][0]["code"]
            role_text = group["type"].get("text", role)
            for dosage in group.get("dosage", []):
                cells = [band["id"], when, role_text, dose(role, dosage), timing(dosage), wait(dosage), details(dosage),
                         ", ".join(sources(dosage))]
                rows.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    rows.append("</table>")
    return DOSING_INTRO + "".join(rows)


def bullet_list(title, items):
    if not items:
        return ""
    return f"<p><b>{title}</b>:</p><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def narrative(medicine):
    out = ['<div xmlns="http://www.w3.org/1999/xhtml">']
    title = e(medicine["code"].get("text", ""))
    synonyms = medicine.get("synonym", [])
    out.append(f"<p><b>{title}</b>" + (f" ({e(', '.join(synonyms))})" if synonyms else "") + ".</p>")
    out.append("<p><b>Codes</b>: " + e("; ".join(coding_text(c) for c in medicine["code"]["coding"])) + ".</p>")
    ingredients = []
    for ingredient in medicine.get("ingredient", []):
        concept = ingredient["itemCodeableConcept"]
        codes = ", ".join(c["code"] for c in concept.get("coding", []))
        ingredients.append(concept.get("text", "") + (f" ({codes})" if codes else ""))
    out.append("<p><b>Ingredients</b>: " + e("; ".join(ingredients)) + ".</p>")
    routes = "; ".join(r.get("text", "") for r in medicine.get("intendedRoute", []))
    out.append(f"<p><b>Form and route</b>: {e(medicine.get('doseForm', {}).get('text', ''))}; {e(routes)}.</p>")
    products = sorted(m.get("display", m["reference"]) for m in medicine.get("associatedMedication", []))
    if products:
        out.append("<p><b>Products</b>: " + e("; ".join(products)) + ".</p>")
    classes = []
    for classification in medicine.get("medicineClassification", []):
        for concept in classification.get("classification", []):
            code = concept.get("coding", [{}])[0].get("code")
            classes.append(e(classification["type"].get("text", "")) + ": "
                           + (f"<code>{e(code)}</code> " if code else "") + e(concept.get("text", "")) + e(cited(classification)))
    out.append(bullet_list("Classification", classes))
    out.append(dosing_table(medicine))
    out.append(bullet_list("Monitoring", [
        f"<code>{e(p['type']['coding'][0]['code'])}</code>: {e(p.get('name', ''))}{e(cited(p))}"
        for p in medicine.get("monitoringProgram", [])]))
    characteristics = []
    for characteristic in medicine.get("drugCharacteristic", []):
        value = characteristic.get("valueString")
        if value is None and "valueQuantity" in characteristic:
            quantity = characteristic["valueQuantity"]
            value = f"{num(quantity['value'])}" + (f" ({quantity['unit']})" if quantity.get("unit") else "")
        characteristics.append(f"<code>{e(characteristic['type']['coding'][0]['code'])}</code>: {e(value)}{e(cited(characteristic))}")
    out.append(bullet_list("Characteristics", characteristics))
    out.append(bullet_list("Contraindications",
                           [e(c.get("display", "")) + e(cited(c)) for c in medicine.get("contraindication", [])]))
    out.append(bullet_list("Related medicines", [
        e(", ".join(r.get("display", r["reference"]) for r in related.get("reference", []))) + ": "
        + e(related["type"].get("text", "")) + e(cited(related))
        for related in medicine.get("relatedMedicationKnowledge", [])]))
    for regulatory in medicine.get("regulatory", []):
        schedules = "; ".join(s["schedule"].get("text", "") for s in regulatory.get("schedule", []))
        authority = regulatory.get("regulatoryAuthority", {}).get("display", "")
        out.append(f"<p><b>Regulatory</b>: {e(schedules)} ({e(authority)}){e(cited(regulatory))}</p>")
    out.append(bullet_list("Sources", [
        f"<code>{e(x['valueRelatedArtifact']['label'])}</code>: {e(x['valueRelatedArtifact'].get('document', {}).get('title', x['valueRelatedArtifact'].get('display', '')))}"
        for x in medicine.get("extension", []) if x["url"] == RELATED]))
    out.append("</div>")
    return "".join(out)


def main(argv):
    check = "--check" in argv
    differing = []
    for path in [a for a in argv if a != "--check"]:
        with open(path, encoding="utf-8") as f:
            medicine = json.load(f)
        div = narrative(medicine)
        if medicine["text"]["div"] != div:
            differing.append(path)
            if not check:
                medicine["text"]["div"] = div
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(medicine, f, indent=2, ensure_ascii=False)
                    f.write("\n")
    for path in differing:
        print(("differs: " if check else "written: ") + path)
    return 1 if check and differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
