"""Scan, review, apply: the project's anonymization key and the replacements it gives.

* :func:`scan` finds personal data in every source (or the new and changed ones), stores the
  findings, and returns one row per distinct finding with a proposed replacement.
* The analyst reviews the rows (:mod:`coding.anonymize.sheet` writes and reads them as Excel);
  :func:`apply_decisions` stores the decisions as the key: replace (with this replacement) or keep.
* :func:`status` says what is not reviewed: findings without a decision, sources not scanned.
* :class:`Scrubber` is what every ``--anonymize`` output uses: the key's decisions, proposals
  for findings never reviewed (replaced unless ``unreviewed="keep"``), the pseudonyms of known
  people and cases, and the detector again on every text it is given (nothing that was imported
  after the scan passes unseen).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from .detect import Detector, Finding, key_of, resolve
from .names import ordinary
from .pseudonyms import Pseudonyms, known_replacement
from .words import kind_replacement

NAME_KINDS = ("name", "name_candidate")
KNOWN_KINDS = ("person", "case")
DECISIONS = ("replace", "keep")
_NUMBERED = re.compile(r"^\[(?:navn|name) (\d+)\]$")
_GENITIVE = r"(?:s|'s|’s|'|’)?"
CONTEXT_CHARS = 40


def project_language(store) -> str:
    languages = Counter(row["language"] for row in store.sources())
    return "en" if languages["en"] > languages["da"] else "da"


def default_case_by(store) -> str:
    return "municipality" if store.attribute_values("municipality") else "source"


def context_of(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT_CHARS):start]
    after = text[end:end + CONTEXT_CHARS]
    return " ".join(f"…{before}«{text[start:end]}»{after}…".split())


@dataclass
class Row:
    """One distinct finding (by key) over the project."""
    key: str
    kind: str
    text: str
    count: int = 0
    sources: list[str] = field(default_factory=list)
    context: str = ""
    replacement: str = ""
    decision: str = "replace"
    reviewed: bool = False
    first: tuple = ()


CONTEXT_META = "anonymization_context"


def _detect_all(store, detector: Detector, source_ids=None, reuse: bool = False) -> dict[int, tuple[str, str, list[Finding]]]:
    """source id -> (name, text digest, findings). With ``reuse`` the findings a scan stored are taken
    for every source whose text and detector are the ones that scan had; the others are scanned."""
    stored: dict[int, list[Finding]] = {}
    if reuse and store.get_meta(CONTEXT_META) == detector.fingerprint():
        scanned = store.anonymization_scans()
        current = {r["id"] for r in store.sources() if scanned.get(r["id"]) == r["text_sha256"]}
        for f in store.anonymization_findings():
            if f["source_id"] in current:
                stored.setdefault(f["source_id"], []).append(Finding(f["start"], f["end"], f["kind"], f["text"], f["key"]))
        for source_id in current:
            stored.setdefault(source_id, [])
    out = {}
    for row in store.sources():
        if source_ids is not None and row["id"] not in source_ids:
            continue
        if row["id"] in stored:
            findings = stored[row["id"]]
        else:
            findings = detector.find(store.source_text(row["id"]), row["language"])
        out[row["id"]] = (row["name"], row["text_sha256"], findings)
    return out


def _rows(store, pseudonyms: Pseudonyms, detector: Detector, found: dict, language: str) -> list[Row]:
    """Distinct findings with their proposals; the key's decisions where there are any."""
    key = {r["key"]: r for r in store.anonymization_key()}
    texts = {}
    rows: dict[str, Row] = {}
    for order, (source_id, (name, _digest, findings)) in enumerate(sorted(found.items(), key=lambda i: i[1][0])):
        for f in findings:
            row = rows.get(f.key)
            if row is None:
                if source_id not in texts:
                    texts[source_id] = store.source_text(source_id)
                shown = f.text if f.kind not in NAME_KINDS + KNOWN_KINDS else _display(f)
                row = rows[f.key] = Row(f.key, f.kind, shown, first=(order, f.start),
                                        context=context_of(texts[source_id], f.start, f.end))
            row.count += 1
            if name not in row.sources:
                row.sources.append(name)
    # structural pseudonyms for known people and cases
    persons = {key_of(n): p for n, p in pseudonyms.person_names.items()}
    cases = {key_of(n): p for n, p in pseudonyms.place_names.items()}
    for row in rows.values():
        if row.kind == "person":
            known = detector.person_name(row.key)
            row.replacement = known_replacement(persons.get(key_of(known or row.key), pseudonyms.w["name"]))
        elif row.kind == "case":
            row.replacement = known_replacement(cases.get(row.key, pseudonyms.w["hidden"]))
    # numbered names: reviewed numbers are kept, new ones take the next free numbers; a first
    # name alone shares the number of the one full name it begins ("Bente" and "Bente Hansen")
    used = {int(m.group(1)) for r in key.values() if (m := _NUMBERED.match(r["replacement"]))}
    names = sorted((r for r in rows.values() if r.kind in NAME_KINDS), key=lambda r: r.first)
    full = {}
    for r in names:
        if " " in r.key:
            full.setdefault(r.key.split(" ", 1)[0], []).append(r.key)
    group = {r.key: (full[r.key][0] if " " not in r.key and len(full.get(r.key, [])) == 1 else r.key) for r in names}
    number: dict[str, str] = {}
    for r in names:
        if r.key in key and key[r.key]["decision"] == "replace":
            number.setdefault(group[r.key], key[r.key]["replacement"])
    next_free = 1
    for r in names:
        g = group[r.key]
        if g not in number:
            while next_free in used:
                next_free += 1
            used.add(next_free)
            number[g] = kind_replacement(r.kind, language, next_free)
        r.replacement = number[g]
    for row in rows.values():
        if not row.replacement:
            row.replacement = kind_replacement(row.kind, language)
        decided = key.get(row.key)
        if decided is not None:
            row.reviewed = True
            row.decision = decided["decision"]
            if decided["replacement"] and row.kind not in KNOWN_KINDS:
                row.replacement = decided["replacement"]
    # decisions on texts the detector did not find (rows the analyst added)
    for k, decided in key.items():
        if k not in rows:
            rows[k] = Row(k, decided["kind"], decided["text"], replacement=decided["replacement"],
                          decision=decided["decision"], reviewed=True, first=(len(found), 0))
    return sorted(rows.values(), key=lambda r: r.first)


def genitive_ending(f: Finding) -> str:
    """The genitive ending a name finding has beyond its name, as written ("s", "'s", "’"), or ""."""
    text = " ".join(f.text.split())
    if key_of(text) == f.key:
        return ""
    return next((text[-len(e):] for e in ("'s", "’s", "s", "'", "’")
                 if text.endswith(e) and key_of(text[:-len(e)]) == f.key), "")


def _display(f: Finding) -> str:
    """A name as the key knows it: without its genitive ending, white space single."""
    text = " ".join(f.text.split())
    return text if key_of(text) == f.key else next(
        (text[:-len(e)] for e in ("'s", "’s", "s", "'", "’") if text.endswith(e) and key_of(text[:-len(e)]) == f.key),
        text)


# --------------------------------------------------------------------------- scan and status
def scan(store, *, only_new: bool = False, case_by: str | None = None) -> list[Row]:
    """Scan the sources (all, or with ``only_new`` those not scanned since they last changed), store
    their findings, and return every distinct finding of the project with its proposal."""
    language = project_language(store)
    pseudonyms = Pseudonyms(store, case_by or default_case_by(store), language)
    detector = Detector(pseudonyms.context())
    ids = None
    if only_new and store.get_meta(CONTEXT_META) == detector.fingerprint():
        # only what changed; a new interview list or codebook (other known names, other words
        # never touched) scans everything again
        scanned = store.anonymization_scans()
        ids = {r["id"] for r in store.sources() if scanned.get(r["id"]) != r["text_sha256"]}
    found = _detect_all(store, detector, ids)
    for source_id, (_name, digest, findings) in found.items():
        store.replace_anonymization_findings(source_id, digest, [(f.start, f.end, f.kind, f.text, f.key)
                                                                 for f in findings])
    store.set_meta(CONTEXT_META, detector.fingerprint())
    return review_rows(store, pseudonyms, detector)


def review_rows(store, pseudonyms: Pseudonyms, detector: Detector) -> list[Row]:
    """The stored findings of the last scans, as review rows."""
    found: dict[int, tuple[str, str, list[Finding]]] = {}
    for f in store.anonymization_findings():
        entry = found.setdefault(f["source_id"], (f["source"], "", []))
        entry[2].append(Finding(f["start"], f["end"], f["kind"], f["text"], f["key"]))
    return _rows(store, pseudonyms, detector, found, pseudonyms.language)


def key_context_changed(store) -> bool:
    """Whether the interview list, the codebook or the detector changed since the last scan."""
    if store.get_meta(CONTEXT_META) is None:
        return bool(store.anonymization_scans())
    language = project_language(store)
    detector = Detector(Pseudonyms(store, default_case_by(store), language).context())
    return store.get_meta(CONTEXT_META) != detector.fingerprint()


def status(store) -> dict:
    """What is not reviewed: sources not scanned since they changed, findings without a decision."""
    scanned = store.anonymization_scans()
    sources = store.sources()
    not_scanned = [r["name"] for r in sources if scanned.get(r["id"]) != r["text_sha256"]]
    key = {r["key"] for r in store.anonymization_key()}
    unreviewed: dict[str, dict] = {}
    findings = 0
    for f in store.anonymization_findings():
        findings += 1
        if f["key"] not in key:
            entry = unreviewed.setdefault(f["key"], {"kind": f["kind"], "text": f["text"], "count": 0,
                                                     "sources": []})
            entry["count"] += 1
            if f["source"] not in entry["sources"]:
                entry["sources"].append(f["source"])
    if key_context_changed(store):
        not_scanned = [r["name"] for r in sources]
    return {"sources": len(sources), "not_scanned": not_scanned, "findings": findings,
            "distinct": len({f["key"] for f in store.anonymization_findings()}), "decisions": len(key),
            "unreviewed": [{"kind": v["kind"], "text": v["text"], "count": v["count"],
                            "sources": "; ".join(v["sources"])} for v in unreviewed.values()]}


def apply_decisions(store, rows: list[dict]) -> dict:
    """Store checked decisions (key, text, kind, decision, replacement) as the project's key."""
    known = {r["key"]: r for r in store.anonymization_key()}
    changed = sum(1 for r in rows if r["key"] not in known or (known[r["key"]]["decision"], known[r["key"]]["replacement"])
                  != (r["decision"], r["replacement"]))
    store.set_anonymization_decisions(rows)
    return {"rows": len(rows), "changed": changed, "replace": sum(r["decision"] == "replace" for r in rows),
            "keep": sum(r["decision"] == "keep" for r in rows)}


# --------------------------------------------------------------------------- the scrubber
class OffsetMap:
    """Old -> new character offsets after replacing spans of a text."""

    def __init__(self, spans: list[tuple[int, int, int, int]]):
        self.spans = spans   # (old start, old end, new start, new end), in order
        self._starts = [s[0] for s in spans]

    def __call__(self, position: int, side: str = "start") -> int:
        i = bisect.bisect_right(self._starts, position) - 1
        if i < 0:
            return position
        old_start, old_end, new_start, new_end = self.spans[i]
        if position == old_start:
            return new_start
        if position < old_end:
            return new_start if side == "start" else new_end
        return new_end + (position - old_end)


class Scrubber:
    """Replaces personal data in any text on the way out, by the key (see the module docstring)."""

    def __init__(self, store, *, case_by: str | None = None, unreviewed: str = "replace",
                 language: str | None = None):
        if unreviewed not in DECISIONS:
            raise ValueError(f"unreviewed must be replace or keep, not {unreviewed!r}")
        self.language = language or project_language(store)
        self.pseudonyms = Pseudonyms(store, case_by or default_case_by(store), self.language)
        self.detector = Detector(self.pseudonyms.context())
        self.unreviewed = unreviewed
        self.offsets: dict[int, OffsetMap] = {}   # filled by the anonymized copy, per source
        self.found = _detect_all(store, self.detector, reuse=True)
        rows = _rows(store, self.pseudonyms, self.detector, self.found, self.language)
        self.table: dict[str, str | None] = {}
        self.kinds: dict[str, str] = {}
        literal_names, literal_anycase, literal_other = set(), set(), set()
        for row in rows:
            replace = row.decision == "replace" if row.reviewed else (
                unreviewed == "replace" or row.kind in KNOWN_KINDS)
            self.table[row.key] = row.replacement if replace else None
            self.kinds[row.key] = row.kind
            if replace and row.kind not in KNOWN_KINDS and row.text.strip():
                text = " ".join(row.text.split())
                if row.kind not in NAME_KINDS + ("place", "municipality"):
                    literal_other.add(text)
                else:   # "Birk" with its capital only, "Bente" in any letter case
                    (literal_names if ordinary(text) else literal_anycase).add(text)
        self._names = _literal(literal_names, case_sensitive=True)
        self._names_anycase = _literal(literal_anycase, case_sensitive=False, genitive=True)
        self._other = _literal(literal_other, case_sensitive=False)

    def spans(self, text: str, language: str | None = None,
              findings: list[Finding] | None = None) -> list[tuple[int, int, str]]:
        """``(start, end, replacement)`` for what is to be replaced in ``text``."""
        language = language or self.language
        candidates = list(findings if findings is not None else self.detector.find(text, language))
        for pattern, kind in ((self._names, "name"), (self._names_anycase, "name"), (self._other, "manual")):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                k = key_of(m.group("name"))
                candidates.append(Finding(m.start(), m.end(), self.kinds.get(k, kind), m.group(), k))
        out = []
        for f in resolve(candidates):
            if f.key in self.table:
                replacement = self.table[f.key]
            elif f.kind in KNOWN_KINDS:
                replacement = self._known(f)
            else:
                replacement = None if self.unreviewed == "keep" else kind_replacement(f.kind, self.language)
            if replacement is not None:
                # "Bentes kollega" -> "[navn 6]s kollega", "Bente's" -> "[name 6]'s"
                out.append((f.start, f.end, replacement + genitive_ending(f)))
        return out

    def _known(self, f: Finding) -> str:
        if f.kind == "person":
            name = self.detector.person_name(f.key) or f.text
            return known_replacement(self.pseudonyms.person_names.get(name, self.pseudonyms.w["name"]))
        cases = {key_of(n): p for n, p in self.pseudonyms.place_names.items()}
        return known_replacement(cases.get(f.key, self.pseudonyms.w["hidden"]))

    def scrub(self, text: str | None, language: str | None = None) -> str:
        if not text:
            return text or ""
        return self.scrub_mapped(text, language)[0]

    def scrub_mapped(self, text: str, language: str | None = None,
                     findings: list[Finding] | None = None) -> tuple[str, OffsetMap]:
        parts, spans, last, shift = [], [], 0, 0
        for start, end, replacement in self.spans(text, language, findings):
            parts.append(text[last:start])
            parts.append(replacement)
            new_start = start + shift
            spans.append((start, end, new_start, new_start + len(replacement)))
            shift += len(replacement) - (end - start)
            last = end
        parts.append(text[last:])
        return "".join(parts), OffsetMap(spans)


def _literal(texts: set[str], *, case_sensitive: bool, genitive: bool | None = None):
    if not texts:
        return None
    variants = set()
    for t in texts:
        variants.add(t)
        if case_sensitive and t[:1].islower():
            variants.add(t[:1].upper() + t[1:])
    alternatives = "|".join(re.escape(v).replace(r"\ ", r"\s+") for v in sorted(variants, key=len, reverse=True))
    suffix = _GENITIVE if (case_sensitive if genitive is None else genitive) else ""
    return re.compile(rf"(?<![\w])(?P<name>{alternatives}){suffix}(?![\w])", 0 if case_sensitive else re.IGNORECASE)
