"""Coding by hand: add or remove one coding by character offsets, memos on a coding, and the review
of the auto-coder's proposals (issue 26). The browser workspace and Python call the same functions.

Every function here works inside the caller's transaction (:meth:`coding.Project` holds it) and
checks everything before it writes, so a refused request changes nothing.

A review of an automatic coding: *accept* makes it the reviewer's own coding (origin ``manual``,
the auto-coder's rule kept with it) and removes the proposal; *reject* removes the proposal. Both
are recorded in ``reviews`` by source, place and code, and a later auto-coding run does not propose
a reviewed span again (:func:`coding.autocode.runner.without_reviewed`).
"""

from __future__ import annotations

from typing import Any

from ..errors import CodingError, NotFound
from ..records import CodeTree
from ..store import Store

DECISIONS = ("accepted", "rejected")
MANUAL = "manual"


class BadRequest(CodingError):
    """A request the project cannot carry out as asked (offsets outside the text, an empty coder ...)."""


def find_source(store: Store, name: str):
    row = store.source_by_name(name)
    if row is None:
        raise NotFound(f"no source named '{name}' in the project")
    return row


def find_code(store: Store, code: Any) -> dict:
    """A code by slug, path or label (any language), or by its numeric id."""
    if not isinstance(code, (str, int)) or isinstance(code, bool):
        raise BadRequest("'code' must be a code id, path or label")
    tree = CodeTree.load(store)
    if isinstance(code, int) and not isinstance(code, bool):
        node = tree.by_id.get(code)
        if node is None:
            raise NotFound(f"no code with id {code} in the project's codebook")
        return node
    if not isinstance(code, str) or not code.strip():
        raise BadRequest("'code' must be a code id, path or label")
    return tree.get(code.strip())


def find_code_id(store: Store, code: Any) -> int:
    """The stored id of a code given as in :func:`find_code`; a slug is looked up directly (the
    common case, and one query instead of loading the codebook)."""
    if isinstance(code, str):
        row = store.code_by_code(code.strip())
        if row is not None:
            return int(row["id"])
    return int(find_code(store, code)["id"])


def check_coder(coder: Any) -> str:
    if not isinstance(coder, str) or not coder.strip():
        raise BadRequest("a coder name is needed ('coder')")
    coder = coder.strip()
    if len(coder) > 100:
        raise BadRequest("the coder name is longer than 100 characters")
    return coder


def check_span(length: int, start: Any, end: Any, source: str) -> tuple[int, int]:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadRequest(f"'{name}' must be a whole number (a character offset), not {value!r}")
    if start < 0 or end > length:
        raise BadRequest(f"offsets {start}-{end} are outside the text of '{source}' (0-{length})")
    if start >= end:
        raise BadRequest(f"start {start} is not before end {end}")
    return start, end


def coding_record(store: Store, coding_id: int) -> dict:
    row = store.coding_with_source(coding_id)
    if row is None:
        raise NotFound(f"no coding with id {coding_id}")
    text = store.source_text_slice(row["source_id"], row["start"], row["end"])
    return {"id": row["id"], "source": row["source"], "start": row["start"], "end": row["end"],
            "code": row["code"], "coder": row["coder"], "origin": row["origin"], "rule": row["rule"],
            "matched": row["matched"], "created_at": row["created_at"], "text": text}


def add_coding(store: Store, source: str, start: Any, end: Any, code: Any, coder: Any,
               memo: str | None = None) -> dict:
    """Code characters [start, end) of a source with a code (slug, path, label or id) as ``coder``."""
    if not isinstance(source, str):
        raise BadRequest("'source' must be a source's name")
    source_id = store.source_id_named(source)
    if source_id is None:
        raise NotFound(f"no source named '{source}' in the project")
    code_id = find_code_id(store, code)
    coder = check_coder(coder)
    start, end = check_span(store.source_length(source_id), start, end, source)
    coding_id = store.insert_coding(source_id=source_id, start=start, end=end, code_id=code_id, coder=coder,
                                    origin=MANUAL)
    if memo is not None and not isinstance(memo, str):
        raise BadRequest("'memo' must be text")
    if memo and memo.strip():
        from .memos import add_memo

        add_memo(store, memo, coding=coding_id, author=coder)
    return coding_record(store, coding_id)


def delete_coding(store: Store, coding_id: Any) -> dict:
    """Remove one coding (any origin); returns what it was."""
    if not isinstance(coding_id, int) or isinstance(coding_id, bool):
        raise BadRequest(f"a coding id is a whole number, not {coding_id!r}")
    record = coding_record(store, coding_id)
    store.delete_coding(coding_id)
    return record


def proposals(store: Store, *, code: str | None = None, source: str | None = None, limit: int = 50,
              after: int = 0) -> dict:
    """The auto-coder's codings waiting for review (for a code and its sub-codes, or a source),
    each with its text, rule and matched words; ``total`` counts all that wait."""
    code_ids = CodeTree.load(store).descendants(find_code(store, code)["id"]) if code else None
    source_id = store.source_id_named(source) if source else None
    if source and source_id is None:
        raise NotFound(f"no source named '{source}' in the project")
    rows = store.proposals(code_ids=code_ids, source_id=source_id, limit=max(1, min(int(limit), 500)),
                           after=int(after))
    out = []
    for r in rows:
        turn = store.turn_at(r["source_id"], r["start"])
        out.append({"id": r["id"], "source": r["source"], "start": r["start"], "end": r["end"], "code": r["code"],
                    "rule": r["rule"], "matched": r["matched"], "turn": turn,
                    "text": store.source_text_slice(r["source_id"], r["start"], r["end"])})
    return {"total": store.proposal_count(code_ids=code_ids, source_id=source_id), "proposals": out}


def review(store: Store, coding_id: Any, decision: str, reviewer: Any) -> dict:
    """Accept or reject one automatic coding. Accept: the reviewer's own coding replaces it.
    Reject: it is removed. Both are recorded, so the auto-coder does not propose it again."""
    if decision in ("accept", "reject"):
        decision += "ed"
    if decision not in DECISIONS:
        raise BadRequest(f"a review decision is 'accept' or 'reject', not {decision!r}")
    reviewer = check_coder(reviewer)
    if not isinstance(coding_id, int) or isinstance(coding_id, bool):
        raise BadRequest(f"a coding id is a whole number, not {coding_id!r}")
    row = store.coding_with_source(coding_id)
    if row is None:
        raise NotFound(f"no coding with id {coding_id}")
    if row["origin"] != "auto":
        raise BadRequest(f"coding {coding_id} was not made by the auto-coder (origin '{row['origin']}'): "
                         "only automatic codings are reviewed")
    new_id = None
    if decision == "accepted":
        new_id = store.insert_coding(source_id=row["source_id"], start=row["start"], end=row["end"],
                                     code_id=row["code_id"], coder=reviewer, origin=MANUAL,
                                     rule=row["rule"], matched=row["matched"])
    store.delete_coding(coding_id)
    store.insert_review(source_id=row["source_id"], start=row["start"], end=row["end"], code_id=row["code_id"],
                        decision=decision, reviewer=reviewer, rule=row["rule"], matched=row["matched"],
                        coding_id=new_id)
    return {"review": decision, "proposal": coding_id, "source": row["source"], "start": row["start"],
            "end": row["end"], "code": row["code"], "reviewer": reviewer,
            "coding": coding_record(store, new_id) if new_id is not None else None}


def acceptance(store: Store, language: str = "da") -> list[dict]:
    """Per code: proposals accepted, rejected, still waiting, and the acceptance rate (accepted
    out of reviewed, None before any review): which rules the evaluator can trust."""
    tree = CodeTree.load(store)
    counts = store.review_counts_by_code()
    waiting = store.auto_coding_counts_by_code()
    out = []
    for node in sorted(tree.by_id.values(), key=lambda n: n["path"]):
        c = counts.get(node["id"], {"accepted": 0, "rejected": 0})
        reviewed = c["accepted"] + c["rejected"]
        if not reviewed and not waiting.get(node["id"]):
            continue
        labels = node["labels"]
        out.append({"code": node["code"], "label": labels.get(language) or next(iter(labels.values()), ""),
                    "accepted": c["accepted"], "rejected": c["rejected"], "waiting": waiting.get(node["id"], 0),
                    "rate": round(c["accepted"] / reviewed, 3) if reviewed else None})
    return out


def source_record(store: Store, name: str) -> dict:
    """A source whole: text, attributes, turns (number, speaker, participant, role, start, end,
    timestamp) and codings (id, start, end, code, coder, origin, rule, matched, memo)."""
    row = find_source(store, name)
    turns = [{"number": t["idx"], "speaker": t["speaker"], "participant": t["participant"], "role": t["role"],
              "start": t["start"], "end": t["end"], "timestamp": t["timestamp"]} for t in store.turns(row["id"])]
    codings = [{"id": c["id"], "start": c["start"], "end": c["end"], "code": c["code"], "coder": c["coder"],
                "origin": c["origin"], "rule": c["rule"], "matched": c["matched"], "memo": c["memo"]}
               for c in store.source_codings(row["id"])]
    return {"name": row["name"], "format": row["format"], "language": row["language"],
            "attributes": store.source_attributes(row["id"]), "text": row["text"], "turns": turns,
            "codings": codings}


def coder_counts(store: Store) -> dict[str, dict[str, int]]:
    """{source name: {coder: codings}}."""
    out: dict[str, dict[str, int]] = {}
    for name, coder, n in store.coding_counts_by_source_and_coder():
        out.setdefault(name, {})[coder] = n
    return out
