"""Health vocabulary: people's words for clinical terms, and names of things a question can be *about*.

Both lists are general (written from common consumer-health usage, not from any question set).
Synonyms widen a question before it is embedded and matched; health terms let the knowledge
base notice a question about something its documents never mention (zinc, ibuprofen, shingles)
even when the rest of the question sounds like the documents.
"""

from __future__ import annotations

import re

from mgqa import text as textlib
from mgqa.lexical import stem, terms

# lay or brand wording -> the clinical wording documents tend to use
SYNONYMS: dict[str, str] = {
    "mag": "magnesium",
    "pins and needles": "tingling", "pins & needles": "tingling", "tingly": "tingling", "prickly": "tingling",
    "can't feel": "numbness", "no feeling": "numbness", "gone numb": "numbness", "dead leg": "numbness",
    "sugar diabetes": "diabetes", "blood sugar": "diabetes glucose", "diabetic": "diabetes",
    "booze": "alcohol", "drinking": "alcohol", "beer": "alcohol", "wine": "alcohol", "liquor": "alcohol",
    "coffee": "caffeine", "energy drink": "caffeine", "cola": "caffeine", "tea": "caffeine",
    "fish oil": "omega-3 fatty acids", "cod liver oil": "omega-3 fatty acids", "omega 3": "omega-3",
    "ala": "alpha-lipoic acid", "lipoic": "alpha-lipoic acid", "b12": "vitamin b12", "b6": "vitamin b6",
    "lyrica": "pregabalin", "neurontin": "gabapentin", "gralise": "gabapentin",
    "chemo": "chemotherapy", "bloodwork": "blood test", "blood work": "blood test", "lab test": "blood test",
    "the runs": "diarrhea laxative digestive", "diarrhoea": "diarrhea laxative digestive",
    "diarrhea": "laxative digestive", "loose stools": "laxative digestive", "upset stomach": "digestive stomach upset",
    "tummy": "stomach digestive", "gut": "digestive", "bloating": "digestive",
    "how much": "dosage dose", "how many mg": "dosage dose", "milligrams": "mg dosage",
    "overdo": "too much excessive", "too much": "excessive toxicity",
    "work out": "exercise movement", "working out": "exercise movement", "exercising": "exercise movement",
    "walk": "exercise walking", "gym": "exercise", "yoga": "exercise yoga stretching",
    "sleep": "sleep", "insomnia": "sleep insomnia", "can't sleep": "sleep insomnia", "awake": "sleep",
    "stressed": "stress", "anxious": "anxiety", "jittery": "anxiety", "nervous": "anxiety", "worry": "anxiety",
    "cramp": "cramping spasms", "charley horse": "cramping spasms", "twitch": "spasms",
    "swelling": "inflammation", "inflamed": "inflammation",
    "heal": "repair regeneration recovery", "grow back": "regeneration repair", "fix": "repair",
    "cure": "repair reverse", "get better": "improvement recovery", "recover": "recovery",
    "brand": "supplement quality product", "pill": "supplement", "pills": "supplement", "capsule": "supplement",
    "tablet": "supplement", "label": "supplement elemental",
    "cream": "topical", "lotion": "topical", "spray": "topical oil", "rub": "topical", "epsom": "sulfate",
    "brain fog": "cognitive brain", "memory": "cognitive brain", "focus": "cognitive",
    "shooting pain": "pain", "burning feet": "burning pain", "sore": "pain", "hurt": "pain", "ache": "pain",
    "nerve pain": "neuropathic pain neuropathy", "neuropathic": "neuropathy",
    "food": "diet foods", "eat": "diet foods", "eating": "diet foods", "veggies": "vegetables",
    "nuts": "almonds cashews", "greens": "leafy greens spinach",
    "doctor": "healthcare provider", "doc": "healthcare provider", "gp": "healthcare provider",
    "pharmacist": "healthcare provider",
}

# things a question can be about; when one of these is not in the documents, they don't cover it
HEALTH_TERMS = frozenset("""
zinc iron potassium calcium sodium selenium copper manganese chromium iodine lithium boron fluoride phosphorus
vitamin multivitamin folate folic biotin niacin thiamine riboflavin cobalamin carnitine acetyl coq10 coenzyme
curcumin turmeric ginger garlic ginkgo ginseng ashwagandha melatonin valerian chamomile kava cbd cannabis
marijuana thc collagen glucosamine chondroitin probiotic probiotics prebiotic creatine protein whey
psyllium elderberry echinacea quercetin resveratrol berberine spirulina chlorella kratom kombucha apple cider
ibuprofen advil motrin aspirin acetaminophen paracetamol tylenol naproxen aleve diclofenac celecoxib nsaid
nsaids opioid opioids oxycodone hydrocodone tramadol morphine codeine fentanyl gabapentin pregabalin lyrica
duloxetine cymbalta amitriptyline nortriptyline venlafaxine sertraline fluoxetine prozac zoloft lexapro
citalopram escitalopram ssri antidepressant antidepressants benzodiazepine xanax valium lorazepam diazepam
metformin insulin ozempic semaglutide glipizide statin statins atorvastatin lipitor simvastatin warfarin
eliquis apixaban clopidogrel plavix lisinopril amlodipine losartan metoprolol propranolol furosemide lasix
hydrochlorothiazide levothyroxine synthroid prednisone steroid steroids cortisone triptan triptans
sumatriptan rizatriptan topiramate carbamazepine lamotrigine levetiracetam phenytoin valproate botox
a1c hba1c tsh ldl hdl triglyceride triglycerides creatinine egfr ferritin psa
lidocaine capsaicin antibiotic antibiotics ciprofloxacin levofloxacin doxycycline amoxicillin ppi omeprazole
pantoprazole antacid antacids laxative laxatives diuretic diuretics bisphosphonate bisphosphonates vaccine
shingles chickenpox herpes zoster sclerosis parkinson parkinsons alzheimer alzheimers dementia epilepsy
lupus arthritis gout fibromyalgia sciatica carpal tunnel cubital palsy guillain barre hernia herniated
stenosis scoliosis tinnitus vertigo glaucoma cataract hypertension hypotension cholesterol asthma copd
cancer tumor leukemia lymphoma chemotherapy radiation hiv aids hepatitis covid influenza flu
lyme celiac crohn colitis ibs gerd reflux ulcer hemorrhoids constipation kidney kidneys dialysis liver
thyroid hypothyroidism hyperthyroidism anemia psoriasis eczema acne rosacea migraine migraines headache
headaches hangover hangovers osteoporosis osteoarthritis menopause menstrual pms pregnancy pregnant
breastfeeding fertility erectile prostate adhd autism depression bipolar schizophrenia ptsd ocd insomnia
apnea obesity sepsis stroke concussion whiplash tendonitis bursitis plantar fasciitis neuroma raynaud
restless rls acupuncture chiropractic chiropractor massage physiotherapy surgery operation injection
injections mri ct xray x-ray ultrasound emg biopsy electromyography ncs tens infrared laser cryotherapy
keto ketogenic vegan gluten dairy athletic athletes bodybuilding
citrate oxide glycinate bisglycinate malate taurate threonate orotate chloride sulfate lactate aspartate
gluconate hydroxide carbonate picolinate
child children kid kids toddler infant baby babies teen teenager dog dogs cat cats pet pets horse
""".split())

_PRICE_ASK = (r"\b(?:cost|costs|price|prices|pricing|priced|coupon|discount)\b"
              r"|\bwhere (?:can |do |should |could |to )?(?:i |you |we )?(?:buy|order|purchase)\b"
              r"|\b(?:buy|order|purchase)(?: it| them)? online\b")
_LAB_UNIT = r"\b(?:mg|mmol|meq|umol|µmol|nmol|pmol|pg|ng|mcg|µg|iu|miu)/(?:dl|l|ml)\b"
# words a passage about the young uses ("Children 4 to 8 years: 130 mg"); the index's terms are not stemmed to "child"
MINORS = frozenset("child children kid kids infant infants baby babies toddler toddlers teen teens teenager teenagers "
                   "adolescent adolescents newborn newborns".split())
_YOUNG = rf"\b(?:{'|'.join(sorted(MINORS))})\b"
_PREGNANCY = r"\b(?:pregnan\w*|breast ?feed\w*|breastfed|nursing mothers?)\b"
_AGE = re.compile(r"\b(0?\d|1[0-7])[- ]?(?:years?|yrs?)[- ]old\b")  # "my 6-year-old": a child's age, under 18
# what a question can ask for that only some documents state: (what it is, the asking, the stating)
ASKS = (
    ("a price or where to buy", re.compile(_PRICE_ASK),
     re.compile(r"[$€£]\s?\d|\b(?:cost|costs|price|prices|priced|buy|purchase)\b", re.I)),
    ("a lab reference range", re.compile(rf"\b(?:normal|reference) (?:range|level|levels|value|values)\b|{_LAB_UNIT}"),
     re.compile(rf"\b(?:normal|reference) range\b|{_LAB_UNIT}", re.I)),
    # a question for the young or in pregnancy is answered by what is said of them: an adult's 350 mg a day is not
    # a 5-year-old's, nor a pregnant woman's
    ("children or teenagers", re.compile(rf"{_YOUNG}|{_AGE.pattern}|\b\d{{1,2}}[- ]?(?:months?|mos?)[- ]old\b"
                                          r"|\bteenage\b"),
     re.compile(rf"{_YOUNG}|\b(?:ages?|aged)\s+\d|\b\d{{1,2}}\s*(?:to|-|–)\s*\d{{1,2}}\s*(?:years|yrs|months)"
                r"|\b(?:pediatric|paediatric|boys|girls|teenage)\b", re.I)),
    ("pregnancy or breastfeeding", re.compile(_PREGNANCY), re.compile(rf"{_PREGNANCY}|\blactat\w*", re.I)),
)

_SYNONYM_KEYS = [(re.compile(rf"\b{re.escape(k)}\b"), k, v) for k, v in
                 sorted(SYNONYMS.items(), key=lambda kv: -len(kv[0]))]
# "vitamin b12", "vitamin b-12", "vitamin b 12", "vitamin d3", "b vitamins"; not "is it a vitamin?" (an article)
_VITAMIN = re.compile(r"\bvitamins? (?:(b)[- ]?(\d{1,2})|([a-k])(\d{0,2}))\b"
                      r"|\b(?!a )(?:(b)[- ]?(\d{1,2})|([a-k])(\d{0,2})) vitamins?\b")
NUMBERED_VITAMIN = re.compile(r"\b([a-k])-?(\d{1,2})\b")  # "B12" or "B-12" alone names its vitamin


def vitamins(text: str) -> list[str]:
    """The vitamins a text names by letter ("b12", "d"), in order."""
    named = {}
    for match in _VITAMIN.finditer(text.lower()):
        letter, number = next((match.group(i), match.group(i + 1)) for i in (1, 3, 5, 7) if match.group(i))
        named[f"{letter}{number or ''}"] = True
    return list(named)


def expand(question: str) -> str:
    """The question plus the clinical words for its lay words (nothing is removed)."""
    folded = question.lower().replace("’", "'")
    extra = [v for pattern, _, v in _SYNONYM_KEYS if pattern.search(folded)]
    return question if not extra else f"{question} ({'; '.join(dict.fromkeys(extra))})"


def shares_words(widened: str, vocabulary: frozenset[str]) -> bool:
    """Whether any content word of a question widened by `expand` (so synonyms count) is in the documents."""
    return any(t in vocabulary for t in terms(widened))


def missing_subjects(question: str, vocabulary: frozenset[str]) -> list[str]:
    """Health terms the question is about that no passage mentions (by name or by synonym), and a child's age
    when no passage speaks of children. Whether the passages that would be quoted name the rest is
    `focus.Focus.missing`'s to say; facts the quotes must state are `unstated_asks`'."""
    folded = question.lower().replace("’", "'")
    known = {stem(w) for pattern, key, value in _SYNONYM_KEYS if pattern.search(folded)
             and any(t in vocabulary for t in terms(value)) for w in textlib.words(key)}
    missing = []
    for word in dict.fromkeys(textlib.words(question)):
        base = word[:-1] if word.endswith("s") and word[:-1] in HEALTH_TERMS else word
        if base in HEALTH_TERMS and stem(word) not in vocabulary and stem(word) not in known:
            missing.append(word)
    for match in _AGE.finditer(folded):  # "my 6-year-old": a child, whom adult-dose passages don't cover
        if not MINORS & vocabulary:
            missing.append(f"a {match.group(1)}-year-old")
    return missing


def unstated_asks(question: str, quoted: str, headings: str = "") -> list[str]:
    """What the question asks for that the quoted text doesn't state: a price, a lab range, a named vitamin.
    Judged on the quotes, not the collection: a seller's price elsewhere doesn't price a nerve test. A vitamin
    may be named by the quotes' page titles and headings (`headings`): on a page titled "Vitamin D, Bone Strength
    and Falls", "People who rarely go outdoors … should take a daily supplement of 800 to 1,000 IU" is vitamin
    D's amount."""
    folded = question.lower().replace("’", "'")
    missing = [what for what, asking, stating in ASKS if asking.search(folded) and not stating.search(quoted)]
    named = f"{quoted}\n{headings}"
    stated = {*vitamins(named), *(a + b for a, b in NUMBERED_VITAMIN.findall(named.lower()))}  # "B12 deficiency" too
    missing += [f"vitamin {name}" for name in vitamins(folded) if name not in stated]
    return missing
