"""Pseudonyms for the report documents, and removal of every manifest name from their text.

Cases become "Case 1".."Case N" (sorted by their real value, so the numbering is stable between
runs); participants become their role and a number within the role, in participant-id order
("Virksomhedskonsulent 2"); interviews become "Interview 1".."Interview N" in source order.
Everything written into an anonymized document passes through :meth:`Anonymizer.scrub`, which
replaces, as whole words (a genitive -s included): the values of the case attribute and of the
hidden attributes (municipality by default), participant ids, speaker labels, the name parts of
labels such as "Mette (S)" or "Anne Berg", name columns of the manifest (name, navn, fornavn,
efternavn ...), and source file names. Person names match as written (and capitalised), case
and file names in any letter case. Names that appear only in the spoken text and not in the
manifest cannot be known and are not removed.
"""

from __future__ import annotations

import re

from ..ingest.labels import INTERVIEWER_LABELS, ROLE_ABBREVIATIONS
from ..summaries import case_values
from .wording import words

NAME_COLUMNS = {"name", "navn", "fornavn", "efternavn", "first_name", "last_name", "full_name",
                "fulde_navn", "fullname", "firstname", "lastname", "kaldenavn"}
HIDDEN_ATTRIBUTES = ("municipality", "kommune")
_GENITIVE = r"(?:s|'s|’s|'|’)?"


class Anonymizer:
    def __init__(self, store, case_by: str, language: str, hide: tuple[str, ...] = HIDDEN_ATTRIBUTES):
        self.w = words(language)
        self.case_by = case_by
        participant_attrs = store.all_participant_attributes()
        participants = store.participants()
        roles = {p["id"]: participant_attrs.get(p["id"], {}).get("role", "") for p in participants}
        role_words = {r.casefold() for r in roles.values() if r}

        # participants: role + number within the role, in id order
        self.participants: dict[str, str] = {}
        numbers: dict[str, int] = {}
        for p in sorted(participants, key=lambda p: p["pid"]):
            role = roles[p["id"]] or self.w["participant"]
            numbers[role] = numbers.get(role, 0) + 1
            self.participants[p["pid"]] = f"{role} {numbers[role]}"

        # interviews in source order
        sources = store.sources()
        self.sources = {s["name"]: f"{self.w['interview']} {i}" for i, s in enumerate(sources, start=1)}

        # cases
        if case_by == "participant":
            self.cases = {pid: self.participants[pid] for pid in case_values(store, case_by)}
        elif case_by == "source":
            self.cases = dict(self.sources)
        else:
            self.cases = {v: f"{self.w['case']} {i}" for i, v in
                          enumerate(sorted(case_values(store, case_by), key=str.casefold), start=1)}

        person_names: dict[str, set[str]] = {}   # name -> pseudonyms it stands for
        place_names: dict[str, set[str]] = {}

        def person(name: str, pseudonym: str) -> None:
            name = " ".join(str(name).split())
            if len(name) >= 2:
                person_names.setdefault(name, set()).add(pseudonym)

        def place(name: str, pseudonym: str) -> None:
            name = " ".join(str(name).split())
            if len(name) >= 2:
                place_names.setdefault(name, set()).add(pseudonym)

        not_names = role_words | {w.casefold() for w in INTERVIEWER_LABELS} | set(ROLE_ABBREVIATIONS)
        for p in participants:
            pseudonym = self.participants[p["pid"]]
            person(p["pid"], pseudonym)
            for column, value in participant_attrs.get(p["id"], {}).items():
                if column.casefold() in NAME_COLUMNS:
                    person(value, pseudonym)
                    for part in str(value).split():
                        person(part, pseudonym)
        for s in sources:
            pseudonym = self.sources[s["name"]]
            place(s["name"], pseudonym)
            stem = s["name"].rsplit(".", 1)[0]
            place(stem, pseudonym)
            for sp in store.speakers(s["id"]):
                label = sp["label"]
                pseudonym = self.participants.get(sp["participant"], self.w["name"])
                base = re.sub(r"\s*\([^()]*\)\s*$", "", label).strip()
                if base.casefold() in not_names or label.casefold() in not_names:
                    continue
                person(label, pseudonym)
                person(base, pseudonym)
                for part in re.split(r"[\s\-]+", base):
                    if part.casefold() not in not_names and not part.isdigit():
                        person(part, pseudonym)
        attributes = [a for a in dict.fromkeys((case_by, *hide)) if a not in ("participant", "source")]
        for attribute in attributes:
            for i, value in enumerate(sorted(_values(store, attribute), key=str.casefold), start=1):
                pseudonym = self.cases.get(value) if attribute == case_by else "[…]"
                place(value, pseudonym or "[…]")

        def replacement(pseudonyms: set[str]) -> str:
            if len(pseudonyms) == 1:
                only = next(iter(pseudonyms))
                return only if only.startswith("[") else f"[{only}]"
            return self.w["name"]

        self.names = sorted(set(person_names) | set(place_names), key=len, reverse=True)
        self._person = {n: replacement(p) for n, p in person_names.items()}
        self._place = {n.casefold(): replacement(p) for n, p in place_names.items()}
        self._person_re = _pattern(person_names, flags=0, capitalised=True)
        self._place_re = _pattern(place_names, flags=re.IGNORECASE)

    # ------------------------------------------------------------------ names
    def case(self, value: str) -> str:
        return self.cases.get(value, self.w["case"])

    def participant(self, pid: str) -> str:
        return self.participants.get(pid, self.w["participant"])

    def source(self, name: str) -> str:
        return self.sources.get(name, self.w["interview"])

    def scrub(self, text: str | None) -> str:
        if not text:
            return text or ""
        if self._place_re is not None:
            text = self._place_re.sub(lambda m: self._place[m.group("name").casefold()], text)
        if self._person_re is not None:
            text = self._person_re.sub(lambda m: self._person.get(m.group("name"))
                                       or self._person.get(m.group("name")[:1].lower() + m.group("name")[1:])
                                       or self.w["name"], text)
        return text


def _values(store, attribute: str) -> list[str]:
    return store.attribute_values(attribute)


def _pattern(names, *, flags: int, capitalised: bool = False):
    variants = set()
    for name in names:
        variants.add(name)
        if capitalised and name[:1].islower():
            variants.add(name[:1].upper() + name[1:])
    if not variants:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(variants, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?P<name>{alternatives}){_GENITIVE}(?![\w])", flags)
