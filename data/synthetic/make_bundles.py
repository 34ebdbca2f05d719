#!/usr/bin/env python3
"""Write the four SYNTHETIC FHIR R4 bundles of patient-twin (stdlib only, deterministic).

Every person, name, address, phone number, identifier and value here is invented
by this script. Each Bundle and each resource carries meta.tag HTEST
("test health data", HL7 v3 ActReason) and Bundle.meta has a "SYNTHETIC" note tag.
Run: python3 make_bundles.py   (writes *.json next to this file)
"""
import json, math, os, random
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
EXT = "https://patient-twin.example.org/fhir/StructureDefinition/"
LOCAL = "https://patient-twin.example.org/fhir/CodeSystem/local"
LOINC, SNOMED, ICD10 = "http://loinc.org", "http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10"
ATC, UCUM = "http://www.whocc.no/atc", "http://unitsofmeasure.org"
TAGS = [
    {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST", "display": "test health data"},
]
BUNDLE_TAGS = TAGS + [{"system": LOCAL, "code": "SYNTHETIC",
                       "display": "SYNTHETIC patient made by patient-twin (data/synthetic/make_bundles.py); not a real person"}]


class Bundle:
    def __init__(self, name):
        self.name, self.entries, self.n = name, [], 0

    def add(self, rtype, body):
        self.n += 1
        rid = f"{self.name}-{self.n}"
        res = {"resourceType": rtype, "id": rid, "meta": {"tag": TAGS}, **body}
        self.entries.append({"fullUrl": f"urn:uuid:{self.name}-{self.n:04d}", "resource": res})
        return f"{rtype}/{rid}"

    def write(self):
        b = {"resourceType": "Bundle", "id": self.name, "meta": {"tag": BUNDLE_TAGS},
             "type": "collection", "entry": self.entries}
        with open(os.path.join(HERE, f"{self.name}.json"), "w") as f:
            json.dump(b, f, indent=1)
            f.write("\n")


def cc(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def dt(d):
    return d.isoformat()


def patient(b, family, given, gender, birth, mrn, city):
    return b.add("Patient", {
        "identifier": [
            {"type": cc("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
             "system": "urn:oid:2.16.840.1.113883.19.5", "value": mrn},
        ],
        "name": [{"family": family, "given": [given], "text": f"{given} {family} (SYNTHETIC)"}],
        "telecom": [{"system": "phone", "value": "+44 20 7946 0" + mrn[-3:]}],
        "gender": gender, "birthDate": dt(birth),
        "address": [{"line": [f"{int(mrn[-2:]) + 1} Example Street"], "city": city, "postalCode": "ZZ9 9ZZ", "country": "GB"}],
        "extension": [{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
                       "extension": [{"url": "text", "valueString": "Not Hispanic or Latino"}]}],
    })


def obs(b, subj, d, code, display, value, unit):
    return b.add("Observation", {"status": "final", "code": cc(LOINC, code, display), "subject": {"reference": subj},
                                 "effectiveDateTime": dt(d) + "T08:30:00Z",
                                 "valueQuantity": {"value": round(value, 3), "unit": unit, "system": UCUM, "code": unit}})


def local_obs(b, subj, d, code, display, value, unit):
    """A quantity under the project's local code system (no LOINC code we are sure of)."""
    return b.add("Observation", {"status": "final", "code": cc(LOCAL, code, display), "subject": {"reference": subj},
                                 "effectiveDateTime": dt(d) + "T08:30:00Z",
                                 "valueQuantity": {"value": round(value, 3), "unit": unit, "system": UCUM, "code": unit}})


def bp(b, subj, d, sys, dia):
    b.add("Observation", {"status": "final", "code": cc(LOINC, "85354-9", "Blood pressure panel"),
                          "subject": {"reference": subj}, "effectiveDateTime": dt(d) + "T08:35:00Z",
                          "component": [
                              {"code": cc(LOINC, "8480-6", "Systolic blood pressure"),
                               "valueQuantity": {"value": sys, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}},
                              {"code": cc(LOINC, "8462-4", "Diastolic blood pressure"),
                               "valueQuantity": {"value": dia, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}}]})


def status(b, subj, d, system, code, display, value):
    b.add("Observation", {"status": "final", "code": cc(system, code, display), "subject": {"reference": subj},
                          "effectiveDateTime": dt(d), "valueCodeableConcept": {"text": value}})


def med(b, subj, atc, display, start, end, dose, unit, period, period_unit, freq=1, route="oral", kind="MedicationStatement"):
    body = {"status": "completed" if end else "active", "medicationCodeableConcept": cc(ATC, atc, display),
            "subject": {"reference": subj},
            "effectivePeriod": {"start": dt(start), **({"end": dt(end)} if end else {})},
            "dosage": [{"timing": {"repeat": {"frequency": freq, "period": period, "periodUnit": period_unit}},
                        "route": {"text": route},
                        "doseAndRate": [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]}]}
    if kind == "MedicationRequest":
        body = {"status": "active", "intent": "order", "medicationCodeableConcept": body["medicationCodeableConcept"],
                "subject": body["subject"], "authoredOn": dt(start), "dosageInstruction": body["dosage"]}
    b.add(kind, body)


def variant(b, subj, d, gene, hgvs, vaf):
    b.add("Observation", {"status": "final", "code": cc(LOINC, "69548-6", "Genetic variant assessment"),
                          "subject": {"reference": subj}, "effectiveDateTime": dt(d),
                          "valueCodeableConcept": cc(LOINC, "LA9633-4", "Present"),
                          "component": [
                              {"code": cc(LOINC, "48018-6", "Gene studied [ID]"),
                               "valueCodeableConcept": cc("http://www.genenames.org", gene, gene)},
                              {"code": cc(LOINC, "48004-6", "DNA change (c.HGVS)"), "valueCodeableConcept": {"text": hgvs}},
                              {"code": cc(LOINC, "81258-6", "Sample variant allelic frequency [NFr]"),
                               "valueQuantity": {"value": vaf, "unit": "1", "system": UCUM, "code": "1"}}]})


def response(b, subj, d, criterion, category):
    b.add("Observation", {"status": "final", "code": cc(LOINC, "97509-4", "Cancer disease status"),
                          "subject": {"reference": subj}, "effectiveDateTime": dt(d),
                          "method": {"text": criterion}, "valueCodeableConcept": {"text": category}})


def condition(b, subj, system, code, display, onset):
    b.add("Condition", {"clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
                        "code": cc(system, code, display), "subject": {"reference": subj}, "onsetDateTime": dt(onset)})


def noise(rng, sd):
    return rng.gauss(0.0, sd)


def glioblastoma():
    rng, b = random.Random(1), Bundle("glioblastoma_patient")
    d0 = date(2021, 3, 8)  # surgery
    p = patient(b, "Testperson", "Alan", "male", date(1963, 5, 17), "SYN-GBM-0042", "Exampleton")
    condition(b, p, ICD10, "C71.1", "Malignant neoplasm of frontal lobe (glioblastoma, IDH-wildtype)", d0 - timedelta(days=6))
    b.add("ImagingStudy", {"status": "available", "subject": {"reference": p}, "started": dt(d0 - timedelta(days=5)) + "T10:00:00Z",
                           "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR"}],
                           "description": "Brain MRI pre-operative",
                           "series": [
                               {"uid": "2.25.1", "modality": {"code": "MR"}, "description": "T1 post-contrast",
                                "extension": [{"url": EXT + "nifti-path", "valueString": "images/gbm_t1c_preop.nii.gz"}]},
                               {"uid": "2.25.2", "modality": {"code": "MR"}, "description": "Tumour segmentation (BraTS labels)",
                                "extension": [{"url": EXT + "nifti-path", "valueString": "images/gbm_seg_preop.nii.gz"}] + [
                                    {"url": EXT + "segmentation-label",
                                     "extension": [{"url": "value", "valueInteger": v}, {"url": "name", "valueString": n}]}
                                    for v, n in [(1, "necrotic core"), (2, "peritumoural oedema"), (4, "enhancing tumour")]]}]})
    b.add("Procedure", {"status": "completed", "code": cc(LOCAL, "craniotomy-resection", "Craniotomy and resection of brain tumour"),
                        "category": cc(SNOMED, "387713003", "Surgical procedure"), "subject": {"reference": p},
                        "performedDateTime": dt(d0), "bodySite": [{"text": "left frontal lobe"}],
                        "extension": [{"url": EXT + "resection-extent", "valueString": "gross total"}]})
    status(b, p, d0 + timedelta(days=10), LOCAL, "MGMT-promoter-methylation", "MGMT promoter methylation", "Methylated")
    status(b, p, d0 + timedelta(days=10), LOCAL, "IDH-status", "IDH1/2 mutation status", "Wildtype")
    variant(b, p, d0 + timedelta(days=10), "TERT", "NM_198253.3:c.-124C>T", 0.38)
    rt0 = d0 + timedelta(days=28)
    b.add("Procedure", {"status": "completed", "code": cc(LOCAL, "ebrt", "External beam radiotherapy"), "subject": {"reference": p},
                        "performedPeriod": {"start": dt(rt0), "end": dt(rt0 + timedelta(days=41))}, "bodySite": [{"text": "left frontal lobe"}],
                        "extension": [{"url": EXT + "radiotherapy-fractions", "valueInteger": 30},
                                      {"url": EXT + "radiotherapy-total-dose", "valueQuantity": {"value": 60, "unit": "Gy", "system": UCUM, "code": "Gy"}}]})
    # Stupp et al. 2005: TMZ 75 mg/m2 daily with RT, then 150-200 mg/m2 days 1-5 every 28 days for 6 cycles.
    med(b, p, "L01AX03", "temozolomide", rt0, rt0 + timedelta(days=42), 75, "mg/m2", 1, "d")
    for c in range(6):
        s = rt0 + timedelta(days=70 + 28 * c)
        med(b, p, "L01AX03", "temozolomide", s, s + timedelta(days=5), 150 if c == 0 else 200, "mg/m2", 1, "d")
    obs(b, p, d0 - timedelta(days=5), "8302-2", "Body height", 178, "cm")
    obs(b, p, d0 - timedelta(days=5), "29463-7", "Body weight", 84, "kg")
    # Enhancing tumour diameter (mm): resection cavity rim, then growth (recurrence at ~14 months).
    for k, days in enumerate([-5, 2, 72, 160, 250, 340, 430, 480]):
        size = 41.0 if days < 0 else (6.0 if days < 300 else 6.0 * math.exp((days - 300) / 70.0))
        obs(b, p, d0 + timedelta(days=days), "21889-1", "Size Tumor", max(size + noise(rng, 0.8), 0.0), "mm")
    for days, cat in [(72, "SD"), (160, "SD"), (250, "SD"), (340, "SD"), (430, "PD"), (480, "PD")]:
        response(b, p, d0 + timedelta(days=days), "RANO", cat)
    for days in range(28, 260, 14):
        anc = 4.2 - (1.8 if 28 <= days <= 70 else 0.0) - 0.6 * math.sin(days / 28 * 2 * math.pi) + noise(rng, 0.25)
        obs(b, p, d0 + timedelta(days=days), "751-8", "Neutrophils [#/volume] in Blood", max(anc, 0.5), "10*9/L")
    b.add("Practitioner", {"name": [{"text": "Dr. Example Neuro-Oncologist (SYNTHETIC)"}]})
    b.write()


def breast():
    rng, b = random.Random(2), Bundle("metastatic_breast_patient")
    d0 = date(2019, 9, 2)  # diagnosis of metastatic disease
    p = patient(b, "Sample", "Mary", "female", date(1967, 11, 23), "SYN-BRC-0107", "Testford")
    condition(b, p, ICD10, "C50.4", "Malignant neoplasm of upper-outer quadrant of breast", d0 - timedelta(days=1460))
    condition(b, p, ICD10, "C78.0", "Secondary malignant neoplasm of lung", d0)
    condition(b, p, ICD10, "C79.5", "Secondary malignant neoplasm of bone", d0)
    b.add("Procedure", {"status": "completed", "code": cc(LOCAL, "mastectomy", "Mastectomy"),
                        "category": cc(SNOMED, "387713003", "Surgical procedure"), "subject": {"reference": p},
                        "performedDateTime": dt(d0 - timedelta(days=1440)), "bodySite": [{"text": "left breast"}],
                        "extension": [{"url": EXT + "resection-extent", "valueString": "complete (R0)"}]})
    er = b.add("Observation", {"status": "final", "code": cc(LOINC, "16112-5", "Estrogen receptor [Interpretation] in Tissue"),
                               "subject": {"reference": p}, "effectiveDateTime": dt(d0 + timedelta(days=7)),
                               "valueCodeableConcept": {"text": "Positive"}})
    status(b, p, d0 + timedelta(days=7), LOINC, "16113-3", "Progesterone receptor [Interpretation] in Tissue", "Positive")
    status(b, p, d0 + timedelta(days=7), LOINC, "48676-1", "HER2 [Interpretation] in Tissue", "Negative")
    b.add("DiagnosticReport", {"status": "final", "code": cc(LOINC, "60568-3", "Pathology Synoptic report"),
                               "subject": {"reference": p}, "effectiveDateTime": dt(d0 + timedelta(days=7)),
                               "result": [{"reference": er}]})
    variant(b, p, d0 + timedelta(days=14), "PIK3CA", "NM_006218.4:c.3140A>G", 0.31)
    # Letrozole 2.5 mg daily + palbociclib 125 mg (days 1-21 q28: recorded per cycle), then fulvestrant at progression.
    med(b, p, "L02BG04", "letrozole", d0 + timedelta(days=14), d0 + timedelta(days=574), 2.5, "mg", 1, "d")
    for c in range(20):
        s = d0 + timedelta(days=14 + 28 * c)
        med(b, p, "L01EF01", "palbociclib", s, s + timedelta(days=21), 125, "mg", 1, "d")
    med(b, p, "L02BA03", "fulvestrant", d0 + timedelta(days=588), None, 500, "mg", 28, "d", route="intramuscular",
        kind="MedicationRequest")
    # Sum of target-lesion diameters (mm): response, nadir, regrowth (RECIST 1.1 PD at +20 %).
    for days in range(0, 700, 84):
        s = 62.0 * (0.55 + 0.45 * math.exp(-days / 90.0)) * (1.0 if days < 420 else math.exp((days - 420) / 260.0))
        obs(b, p, d0 + timedelta(days=days), "21889-1", "Size Tumor", s + noise(rng, 1.0), "mm")
        obs(b, p, d0 + timedelta(days=days), "6875-9", "Cancer Ag 15-3 [Units/volume] in Serum or Plasma",
            max(20.0, 0.9 * s + noise(rng, 2.0)), "U/mL")
    for days, cat in [(84, "PR"), (168, "PR"), (252, "PR"), (336, "SD"), (420, "SD"), (504, "PD")]:
        response(b, p, d0 + timedelta(days=days), "RECIST 1.1", cat)
    for days in range(14, 574, 28):
        obs(b, p, d0 + timedelta(days=days), "751-8", "Neutrophils [#/volume] in Blood", max(0.6, 1.6 + noise(rng, 0.3)), "10*9/L")
    obs(b, p, d0, "8302-2", "Body height", 164, "cm")
    obs(b, p, d0, "29463-7", "Body weight", 68, "kg")
    b.add("Encounter", {"status": "finished", "class": {"code": "AMB"}, "subject": {"reference": p}})
    b.write()


def atrial_fibrillation():
    rng, b = random.Random(3), Bundle("af_patient")
    d0 = date(2022, 1, 17)
    p = patient(b, "Trial", "Peter", "male", date(1955, 8, 2), "SYN-AF-0311", "Sampleville")
    condition(b, p, ICD10, "I48.1", "Persistent atrial fibrillation", d0 - timedelta(days=400))
    condition(b, p, ICD10, "I10", "Essential (primary) hypertension", d0 - timedelta(days=2000))
    med(b, p, "B01AF02", "apixaban", d0 - timedelta(days=390), None, 5, "mg", 1, "d", freq=2)
    med(b, p, "C07AB07", "bisoprolol", d0 - timedelta(days=390), None, 5, "mg", 1, "d")
    med(b, p, "C01BD01", "amiodarone", d0 - timedelta(days=90), d0 + timedelta(days=90), 200, "mg", 1, "d")
    b.add("ImagingStudy", {"status": "available", "subject": {"reference": p}, "started": dt(d0 - timedelta(days=30)) + "T09:00:00Z",
                           "modality": [{"code": "MR"}], "description": "Cardiac MRI, late gadolinium enhancement",
                           "series": [{"uid": "2.25.3", "modality": {"code": "MR"}, "description": "LGE left atrium with fibrosis labels",
                                       "extension": [{"url": EXT + "nifti-path", "valueString": "images/af_la_lge_seg.nii.gz"}] + [
                                           {"url": EXT + "segmentation-label",
                                            "extension": [{"url": "value", "valueInteger": v}, {"url": "name", "valueString": n}]}
                                           for v, n in [(1, "left atrial wall"), (2, "fibrosis (LGE)"), (3, "blood pool")]]}]})
    # Read off the LGE scan and the echo before ablation (the AF twin's calibration data).
    local_obs(b, p, d0 - timedelta(days=30), "la-fibrosis-burden", "Left atrial fibrosis burden (LGE-MRI)", 18.5, "%")
    local_obs(b, p, d0 - timedelta(days=35), "la-diameter", "Left atrial antero-posterior diameter (echocardiography)", 44, "mm")
    b.add("Procedure", {"status": "completed", "code": cc(LOCAL, "af-catheter-ablation", "Catheter ablation for atrial fibrillation"),
                        "subject": {"reference": p}, "performedDateTime": dt(d0) + "T13:00:00Z", "bodySite": [{"text": "left atrium"}],
                        "extension": [{"url": EXT + "ablation-lesion", "valueString": s}
                                      for s in ["PVI left", "PVI right", "roof line"]]})
    for days in range(-360, 400, 30):
        in_af = days < 0 or days in (120, 150)
        hr = (96 if in_af else 64) + noise(rng, 6)
        obs(b, p, d0 + timedelta(days=days), "8867-4", "Heart rate", hr, "/min")
        bp(b, p, d0 + timedelta(days=days), round(138 + noise(rng, 8)), round(84 + noise(rng, 5)))
        if days % 90 == 0:
            obs(b, p, d0 + timedelta(days=days), "30934-4", "Natriuretic peptide B [Mass/volume] in Blood",
                (180 if in_af else 70) * math.exp(noise(rng, 0.2)), "pg/mL")
    obs(b, p, d0, "8302-2", "Body height", 181, "cm")
    obs(b, p, d0, "29463-7", "Body weight", 203, "[lb_av]")
    b.add("Practitioner", {"name": [{"text": "Dr. Example Electrophysiologist (SYNTHETIC)"}]})
    b.add("Encounter", {"status": "finished", "class": {"code": "IMP"}, "subject": {"reference": p}})
    b.write()


def t2d():
    rng, b = random.Random(4), Bundle("t2d_patient")
    d0 = date(2018, 4, 9)  # diagnosis
    p = patient(b, "Fictional", "Susan", "female", date(1957, 2, 11), "SYN-T2D-0588", "Demotown")
    condition(b, p, ICD10, "E11.9", "Type 2 diabetes mellitus without complications", d0)
    condition(b, p, ICD10, "I10", "Essential (primary) hypertension", d0 - timedelta(days=900))
    med(b, p, "A10BA02", "metformin", d0 + timedelta(days=7), d0 + timedelta(days=120), 500, "mg", 1, "d", freq=2)
    med(b, p, "A10BA02", "metformin", d0 + timedelta(days=120), None, 1000, "mg", 1, "d", freq=2)
    med(b, p, "A10BK03", "empagliflozin", d0 + timedelta(days=800), None, 10, "mg", 1, "d")
    med(b, p, "C09AA05", "ramipril", d0 - timedelta(days=900), None, 5, "mg", 1, "d")
    obs(b, p, d0, "8302-2", "Body height", 163, "cm")
    # Five years of quarterly labs. HbA1c: 8.4 % at diagnosis, metformin lowers it to ~7.1 %,
    # slow drift up (~0.2 %/yr, UKPDS-like secondary failure), empagliflozin from day 800 lowers it ~0.6 %.
    for q in range(21):
        days = q * 91
        d = d0 + timedelta(days=days)
        met = 1.3 * (1 - math.exp(-days / 60.0))
        drift = 0.2 * max(days - 180, 0) / 365.0
        sglt2 = 0.6 * (1 - math.exp(-max(days - 800, 0) / 50.0))
        a1c = 8.4 - met + drift - sglt2 + noise(rng, 0.12)
        if q % 4 == 3:  # one laboratory reports IFCC units
            obs(b, p, d, "59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol", 10.929 * (a1c - 2.15), "mmol/mol")
        else:
            obs(b, p, d, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", a1c, "%")
        eag = 28.7 * a1c - 46.7  # ADAG (Nathan 2008): estimated average glucose, mg/dL
        obs(b, p, d, "1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma", eag * 0.95 + noise(rng, 8), "mg/dL")
        egfr = 78 - 1.6 * days / 365.0 - (3.0 if days >= 800 else 0.0) + noise(rng, 1.5)
        # Creatinine from CKD-EPI 2021 (female, kappa 0.7, alpha -0.241 below kappa, -1.2 above), inverted numerically.
        age = (d - date(1957, 2, 11)).days / 365.25
        scr = 0.7
        for _ in range(60):
            f = 142 * min(scr / 0.7, 1) ** -0.241 * max(scr / 0.7, 1) ** -1.2 * 0.9938 ** age * 1.012
            scr *= (f / egfr) ** 0.8
        obs(b, p, d, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", scr, "mg/dL")
        obs(b, p, d, "98979-8", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] by CKD-EPI 2021",
            egfr, "mL/min/{1.73_m2}")
        if q % 2 == 0:
            obs(b, p, d, "9318-7", "Albumin/Creatinine [Mass Ratio] in Urine", 45 * math.exp(days / 2000.0 + noise(rng, 0.25)), "mg/g")
        w = 92 - 2.5 * (1 - math.exp(-days / 200.0)) - 2.0 * (1 - math.exp(-max(days - 800, 0) / 150.0)) + noise(rng, 0.6)
        if q % 5 == 4:  # home scale in pounds
            obs(b, p, d, "29463-7", "Body weight", w / 0.45359237, "[lb_av]")
        else:
            obs(b, p, d, "29463-7", "Body weight", w, "kg")
        bp(b, p, d, round(136 - 4 * (days >= 800) + noise(rng, 6)), round(82 + noise(rng, 4)))
    b.write()


if __name__ == "__main__":
    glioblastoma()
    breast()
    atrial_fibrillation()
    t2d()
