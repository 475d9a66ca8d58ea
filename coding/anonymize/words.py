"""The words of anonymization: kinds of finding, proposed replacements and pseudonym stems, da/en."""

from __future__ import annotations

# kind -> (Danish, English): what the review sheet calls it, and the replacement it proposes.
# A numbered replacement ends in " {n}": each distinct name gets its own number.
KIND_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "person": {"da": ("kendt person", ""), "en": ("known person", "")},   # replacement: role + number
    "case": {"da": ("case/kommune", ""), "en": ("case/municipality", "")},  # replacement: Case n
    "name": {"da": ("navn", "[navn {n}]"), "en": ("name", "[name {n}]")},
    "name_candidate": {"da": ("muligt navn", "[navn {n}]"), "en": ("possible name", "[name {n}]")},
    "place": {"da": ("by", "[by]"), "en": ("town", "[town]")},
    "municipality": {"da": ("kommune", "[kommune]"), "en": ("municipality", "[municipality]")},
    "cpr": {"da": ("cpr-nummer", "[cpr-nr.]"), "en": ("CPR number", "[CPR no.]")},
    "phone": {"da": ("telefon", "[telefon]"), "en": ("phone", "[phone]")},
    "email": {"da": ("e-mail", "[e-mail]"), "en": ("e-mail", "[e-mail]")},
    "url": {"da": ("link", "[link]"), "en": ("link", "[link]")},
    "address": {"da": ("adresse", "[adresse]"), "en": ("address", "[address]")},
    "postcode": {"da": ("postnr. og by", "[postnr. og by]"), "en": ("postcode", "[postcode]")},
    "birthdate": {"da": ("fødselsdato", "[fødselsdato]"), "en": ("date of birth", "[date of birth]")},
    "bank": {"da": ("kontonummer", "[kontonr.]"), "en": ("bank account", "[account no.]")},
    "case_number": {"da": ("sagsnummer", "[sagsnr.]"), "en": ("case number", "[case no.]")},
    "manual": {"da": ("tilføjet", "[…]"), "en": ("added", "[…]")},
}
KINDS = tuple(KIND_WORDS)

# what a pseudonym is made of
STEMS = {
    "da": {"case": "Case", "participant": "Deltager", "interview": "Interview", "name": "[navn]",
           "municipality": "Kommune", "hidden": "[…]"},
    "en": {"case": "Case", "participant": "Participant", "interview": "Interview", "name": "[name]",
           "municipality": "Municipality", "hidden": "[…]"},
}


def kind_label(kind: str, language: str) -> str:
    return KIND_WORDS.get(kind, KIND_WORDS["manual"])[_lang(language)][0]


def kind_replacement(kind: str, language: str, n: int | None = None) -> str:
    template = KIND_WORDS.get(kind, KIND_WORDS["manual"])[_lang(language)][1]
    return template.replace(" {n}", f" {n}" if n else "").replace("{n}", str(n or ""))


def kind_from_label(label: str) -> str | None:
    """The kind a review sheet's kind cell names (either language, or the kind id itself)."""
    wanted = str(label).strip().casefold()
    for kind, by_language in KIND_WORDS.items():
        if wanted == kind or wanted in (by_language["da"][0].casefold(), by_language["en"][0].casefold()):
            return kind
    return None


def stems(language: str) -> dict[str, str]:
    return STEMS[_lang(language)]


def _lang(language: str | None) -> str:
    return "en" if language == "en" else "da"
