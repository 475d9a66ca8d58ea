"""Pseudonyms for what the project knows by name: cases, participants, interviews.

Cases become "Case 1".."Case N" (sorted by their real value, so the numbering is stable between
runs); participants become their role and a number within the role, in participant-id order
("Virksomhedskonsulent 2"); interviews become "Interview 1".."Interview N" in source order; the
values of the hidden attributes (municipality, kommune) that are not the case attribute become
"Kommune 1".."Kommune N". The names these stand for (manifest name columns such as name, navn,
fornavn; speaker labels and their name parts, as in "Mette (S)" or "Anne Berg"; participant ids;
source file names; the attribute values) are what :class:`coding.anonymize.detect.Context`
hands the detector, so that the text says "[Sagsbehandler 1]" where the interview said "Mette".
This was ``coding/export/anonymize.py`` before issue 23.
"""

from __future__ import annotations

import json
import re

from ..errors import NotFound
from ..ingest.labels import INTERVIEWER_LABELS, ROLE_ABBREVIATIONS
from ..records import case_values
from .detect import Context, key_of
from .names import TITLE_WORDS
from .words import stems

NAME_COLUMNS = {"name", "navn", "fornavn", "efternavn", "first_name", "last_name", "full_name",
                "fulde_navn", "fullname", "firstname", "lastname", "kaldenavn", "mellemnavn", "middle_name"}
HIDDEN_ATTRIBUTES = ("municipality", "kommune")


class Pseudonyms:
    """The pseudonym of every case, participant, interview and hidden attribute value."""

    def __init__(self, store, case_by: str = "municipality", language: str = "da",
                 hide: tuple[str, ...] = HIDDEN_ATTRIBUTES):
        self.w = stems(language)
        self.case_by = case_by
        self.language = language
        participant_attrs = store.all_participant_attributes()
        participants = store.participants()
        roles = {p["id"]: participant_attrs.get(p["id"], {}).get("role", "") for p in participants}
        self.roles = {r.casefold() for r in roles.values() if r}

        # participants: role + number within the role, in id order
        self.participants: dict[str, str] = {}
        numbers: dict[str, int] = {}
        for p in sorted(participants, key=lambda p: p["pid"]):
            role = roles[p["id"]] or self.w["participant"]
            numbers[role] = numbers.get(role, 0) + 1
            self.participants[p["pid"]] = f"{role} {numbers[role]}"

        # numbered in the names' code-point order (as always: the same pseudonyms as before)
        sources = sorted(store.sources(), key=lambda s: s["name"])
        self.sources = {s["name"]: f"{self.w['interview']} {i}" for i, s in enumerate(sources, start=1)}

        if case_by == "participant":
            self.cases = dict(self.participants)
        elif case_by == "source":
            self.cases = dict(self.sources)
        elif case_by == "role":   # roles are never hidden
            self.cases = {r: r for r in sorted({v for v in roles.values() if v})}
        else:
            try:
                values = case_values(store, case_by)
            except NotFound:
                values = []
            self.cases = {v: f"{self.w['case']} {i}" for i, v in enumerate(sorted(values, key=str.casefold), start=1)}

        # hidden attributes other than the case attribute: numbered per attribute
        self.hidden: dict[str, dict[str, str]] = {}
        for attribute in dict.fromkeys(hide):
            if attribute == "role":
                continue
            if attribute == case_by:
                self.hidden[attribute] = dict(self.cases)
                continue
            stem = self.w["municipality"] if attribute in HIDDEN_ATTRIBUTES else attribute.capitalize()
            values = sorted(store.attribute_values(attribute), key=str.casefold)
            self.hidden[attribute] = {v: f"{stem} {i}" for i, v in enumerate(values, start=1)}

        # the names these stand for
        not_names = self.roles | {w.casefold() for w in INTERVIEWER_LABELS} | set(ROLE_ABBREVIATIONS)
        persons: dict[str, set[str]] = {}
        places: dict[str, set[str]] = {}

        def add(table: dict[str, set[str]], name: str, pseudonym: str) -> None:
            name = " ".join(str(name).split())
            if len(name) >= 2 and name.casefold() not in not_names:
                table.setdefault(name, set()).add(pseudonym)

        for p in participants:
            pseudonym = self.participants[p["pid"]]
            add(persons, p["pid"], pseudonym)
            for column, value in participant_attrs.get(p["id"], {}).items():
                if column.casefold() in NAME_COLUMNS:
                    add(persons, value, pseudonym)
                    for part in str(value).split():
                        add(persons, part, pseudonym)
        for s in sources:
            pseudonym = self.sources[s["name"]]
            add(places, s["name"], pseudonym)
            add(places, s["name"].rsplit(".", 1)[0], pseudonym)
            for sp in store.speakers(s["id"]):
                label = sp["label"]
                pseudonym = self.participants.get(sp["participant"], self.w["name"])
                base = re.sub(r"\s*\([^()]*\)\s*$", "", label).strip()
                if base.casefold() in not_names or label.casefold() in not_names:
                    continue
                add(persons, label, pseudonym)
                add(persons, base, pseudonym)
                for part in re.split(r"[\s\-]+", base):
                    if part.casefold() not in not_names and not part.isdigit():
                        add(persons, part, pseudonym)
        for attribute, values in self.hidden.items():
            for value, pseudonym in values.items():
                add(places, value, pseudonym)
        if case_by not in ("participant", "source", "role"):
            for value, pseudonym in self.cases.items():
                add(places, value, pseudonym)

        def one(pseudonyms: set[str]) -> str:
            return next(iter(pseudonyms)) if len(pseudonyms) == 1 else self.w["name"].strip("[]")

        self.person_names = {n: one(p) for n, p in persons.items()}
        self.place_names = {n: one(p) for n, p in places.items() if n not in self.person_names}

        # words never taken for names: theme words, role names, interviewer labels
        never = set(self.roles) | {w.casefold() for w in INTERVIEWER_LABELS} | set(TITLE_WORDS)
        for role in self.roles:
            never.update(role.split())
        for code in store.codes():
            never.update(re.split(r"[\s_\-/]+", code["code"].casefold()))
            try:
                labels = json.loads(code["labels"] or "{}")
            except ValueError:
                labels = {}
            for label in labels.values():
                never.update(w.casefold() for w in re.findall(r"[^\W\d_]+", str(label)))
        self.never = frozenset(w for w in never if w)

    def context(self) -> Context:
        return Context(persons=dict(self.person_names), cases=dict(self.place_names), never=self.never)

    def case(self, value: str) -> str:
        return self.cases.get(value, self.w["case"])

    def participant(self, pid: str) -> str:
        return self.participants.get(pid, self.w["participant"])

    def source(self, name: str) -> str:
        return self.sources.get(name, self.w["interview"])


def known_replacement(pseudonym: str) -> str:
    """How a known person or case appears in running text: "[Sagsbehandler 1]"."""
    return pseudonym if pseudonym.startswith("[") else f"[{pseudonym}]"


__all__ = ["Pseudonyms", "known_replacement", "NAME_COLUMNS", "HIDDEN_ATTRIBUTES", "key_of"]
