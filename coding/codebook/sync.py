"""The codebook in the project: storing a codebook as the project's codes (keeping GUIDs, renames,
pruning), and reading the stored codes back as a :class:`~coding.codebook.model.Codebook`."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Refused
from ..store import Store
from ..version import __version__
from .load import load_codebook
from .roundtrip import remember
from .model import DEFAULT_SETTINGS, CodeDef, Codebook, _Checker



@dataclass
class CodebookImportReport:
    file: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    pruned: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"codebook {self.file}: {len(self.added)} added, {len(self.updated)} updated, "
               f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"]
        out += [f"renamed {old} -> {new}" for old, new in self.renamed.items()]
        out += [f"pruned {code}: {n} codings deleted" for code, n in self.pruned.items()]
        return out


def import_codebook(store: Store, codebook: Codebook | dict | str | Path, prune: bool = False,
                    file: str | None = None) -> CodebookImportReport:
    """Store a codebook as the project's codes; the caller holds the transaction.

    Codes keep their GUIDs (matched by id, or by a ``guid`` given in the codebook, which renames).
    Codes that are no longer in the codebook are deleted when they have no codings; when they do,
    the import is refused with a list unless ``prune`` (which deletes them and their codings)."""
    file_sha256 = yaml_text = None
    if isinstance(codebook, (str, Path)):
        file_sha256 = _file_sha256(codebook)
        with contextlib.suppress(OSError, UnicodeDecodeError):
            yaml_text = Path(codebook).read_text(encoding="utf-8")
        codebook = load_codebook(codebook)
    elif isinstance(codebook, dict):
        codebook = Codebook.from_dict(codebook, file=file or "<codebook>")
    report = CodebookImportReport(file=file or codebook.file)
    rows = store.codes()
    by_code = {r["code"]: r for r in rows}
    by_guid = {r["guid"]: r for r in rows}
    wanted = {c.id for c in codebook.codes}
    for code in codebook.codes:
        row = by_guid.get(code.guid) if code.guid else None
        if row is not None and row["code"] != code.id and code.id not in by_code and row["code"] not in wanted:
            report.renamed[row["code"]] = code.id
    vanished = [r for r in rows if r["code"] not in wanted and r["code"] not in report.renamed]
    counts = store.coding_counts_by_code_and_origin() if vanished else {}
    with_codings = [(r, counts[r["id"]]) for r in vanished if r["id"] in counts]
    if with_codings and not prune:
        tree_paths = _paths(rows)
        listed = "; ".join(
            f"{tree_paths[r['id']]} ({', '.join(f'{n} {origin}' for origin, n in sorted(c.items()))})"
            for r, c in with_codings)
        raise Refused(f"{report.file}: {len(with_codings)} code(s) not in the codebook still have codings: {listed}. "
                      "Nothing imported. Put them back in the codebook, or import with --prune to delete "
                      "them and their codings.")
    for old, new in report.renamed.items():
        store.rename_code(by_code[old]["id"], new)
    rows = {r["code"]: r for r in store.codes()}
    ids: dict[str, int] = {}
    for position, code in enumerate(codebook.codes):
        parent_id = ids.get(code.parent) if code.parent else None
        old = rows.get(code.id)
        values = code.stored()
        if old is None:
            report.added.append(code.id)
        elif _stored_values(old) == json.loads(json.dumps(values)) and old["parent_id"] == parent_id \
                and old["position"] == position:
            report.unchanged.append(code.id)
        elif code.id not in report.renamed.values():
            report.updated.append(code.id)
        ids[code.id] = store.upsert_code(code=code.id, parent_id=parent_id, position=position, guid=code.guid,
                                         **values)
    for row in vanished:
        n = sum(counts.get(row["id"], {}).values())
        store.delete_code(row["id"])
        report.removed.append(row["code"])
        if n:
            report.pruned[row["code"]] = n
    meta = {"name": codebook.name, "version": codebook.version, "description": codebook.description,
            "languages": codebook.languages, "settings": codebook.settings, "file": report.file}
    if file_sha256 is not None:     # lets an unchanged file on an unchanged project skip the import
        meta.update(file_sha256=file_sha256, codes_digest=_codes_digest(store))
    store.set_meta("codebook", json.dumps(meta, ensure_ascii=False, default=str))
    remember(store, yaml_text)  # the file's text, to write later changes back into (issue 25)
    return report


def _file_sha256(path: str | Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None     # load_codebook reports the unreadable file


def _codes_digest(store: Store) -> str:
    """A digest of the stored codes (every column of every row) and the toolkit's version."""


    rows = [tuple(r) for r in store.codes()]
    return hashlib.sha256(json.dumps([__version__, rows], ensure_ascii=False, default=str).encode()).hexdigest()


def codebook_unchanged(store: Store, codebook: Any) -> bool:
    """Whether importing ``codebook`` (a file path) would change nothing: the file has the bytes it
    had when last imported from the same path, and the project's codes are still what that import
    left. Then validating and importing it again can be skipped."""
    if not isinstance(codebook, (str, Path)):
        return False
    meta = codebook_meta(store)
    if not meta.get("file_sha256") or meta.get("file") != str(codebook):
        return False
    digest = _file_sha256(codebook)
    return digest is not None and digest == meta["file_sha256"] and meta.get("codes_digest") == _codes_digest(store)


def _stored_values(row) -> dict:
    return {"labels": json.loads(row["labels"] or "{}"), "definition": row["definition"],
            "include": row["include"], "exclude": row["exclude"],
            "examples": json.loads(row["examples"] or "[]"), "color": row["color"],
            "rules": json.loads(row["rules"] or "{}"), "codable": bool(row["codable"])}


def _paths(rows) -> dict[int, str]:
    by_id = {r["id"]: r for r in rows}
    out = {}
    for row in rows:
        chain, current = [], row
        while current is not None and current["code"] not in chain:
            chain.append(current["code"])
            current = by_id.get(current["parent_id"])
        out[row["id"]] = "/".join(reversed(chain))
    return out


def codebook_meta(store: Store) -> dict:
    raw = store.get_meta("codebook")
    return json.loads(raw) if raw else {}


def codebook_from_store(store: Store) -> Codebook:
    """The project's codes as a :class:`Codebook` (with GUIDs), for export and auto-coding."""
    rows = store.codes()
    by_id = {r["id"]: r for r in rows}
    codes = []
    for row in rows:
        values = _stored_values(row)
        parent = by_id.get(row["parent_id"])
        codes.append(CodeDef(id=row["code"], parent=parent["code"] if parent else None, guid=row["guid"],
                             **values))
    meta = codebook_meta(store)
    settings = meta.get("settings") or json.loads(json.dumps(DEFAULT_SETTINGS))
    return Codebook(codes=_Checker.order(codes), name=meta.get("name") or "", version=meta.get("version"),
                    description=meta.get("description") or "", languages=meta.get("languages") or [],
                    settings=settings, file=store.path)


def codebook_records(store: Store, language: str = "da") -> list[dict]:
    """One row per code, depth-first: path, labels, definition, rule counts and codings."""
    book = codebook_from_store(store)
    counts = store.coding_counts_by_code_and_origin()
    ids = {r["code"]: r["id"] for r in store.codes()}
    languages = book.languages or sorted({lang for c in book.codes for lang in c.labels})
    out = []
    for code in book.codes:
        path = book.path(code.id)
        record = {"code": code.id, "path": path, "depth": path.count("/") + 1,
                  "label": "  " * path.count("/") + (code.labels.get(language) or next(iter(code.labels.values()), code.id))}
        for lang in languages:
            record[f"label_{lang}"] = code.labels.get(lang, "")
        by_origin = counts.get(ids.get(code.id), {})
        record.update({
            "definition": code.definition, "include": code.include, "exclude": code.exclude,
            "examples": code.examples, "color": code.color, "codable": code.codable,
            "rules": "; ".join(f"{lang}: {_rule_summary(r)}" for lang, r in code.rules.items()),
            "codings": sum(by_origin.values()), "auto": by_origin.get("auto", 0), "guid": code.guid,
        })
        out.append(record)
    return out


def _rule_summary(ruleset: dict) -> str:
    singular = {"terms": "term", "whole_words": "whole word", "phrases": "phrase", "patterns": "pattern",
                "near": "near", "unless": "unless"}
    parts = []
    for key in ("terms", "whole_words", "phrases", "patterns", "near", "unless"):
        n = len(ruleset.get(key) or [])
        if n:
            parts.append(f"{n} {key if n != 1 else singular[key]}")
    return ", ".join(parts) or "none"


