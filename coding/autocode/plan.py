"""Planning a run: which sources to code in full, which only for changed codes, which to skip
(fingerprints and rule hashes), and how the text is cut into parts and tasks for the workers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from ..codebook import Codebook
from ..records import INTERVIEWER_ROLE
from ..store import Store, code_hashes_json
from .engine import CODER, ENGINE_VERSION, Part

TASK_CHARS = 250_000        # the least text handed to a worker at a time (see task_chars)
TASK_CHARS_MAX = 600_000    # the most
TASKS_PER_WORKER = 16       # a run is cut into at least this many tasks per worker, where it can be

def task_chars(characters: int, jobs: int) -> int:
    """How many characters of text to hand a worker at a time, in a run of ``characters`` with
    ``jobs`` processes.

    Each task has a cost of its own besides its text: the matcher's steps per rule and pattern are
    numpy calls whatever the number of tokens, and the task and its results pass between the
    processes. So larger tasks do less work in all, up to
    TASK_CHARS_MAX; much larger ones run slower, their arrays too large for the processor's caches
    (docs/benchmarks.md). Smaller runs keep at least TASKS_PER_WORKER tasks per worker (but
    none under TASK_CHARS), so that the workers share the work evenly to its end; a run in one
    process has nothing to share."""
    if jobs <= 1:
        return TASK_CHARS_MAX
    return max(TASK_CHARS, min(TASK_CHARS_MAX, characters // (jobs * TASKS_PER_WORKER)))


def source_parts(source_id: int, language: str, text: str, units: np.ndarray,
                 wanted: set[str] | None, size: int = TASK_CHARS) -> list[Part]:
    """A source's units (an array of idx, start, end) in parts of about ``size`` characters,
    each with the stretch of text it covers."""
    if not len(units):
        return []
    sizes = units[:, 2] - units[:, 1]
    group = (np.cumsum(sizes) - sizes) // size
    bounds = np.flatnonzero(np.diff(group)) + 1
    out = []
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(units)]):
        block = units[lo:hi]
        base, end = int(block[:, 1].min()), int(block[:, 2].max())
        shifted = block - np.array([0, base, base], dtype=block.dtype)
        out.append(Part(source_id, language, text[base:end], base, shifted, wanted))
    return out


@dataclass
class SourcePlan:
    source_id: int
    name: str
    language: str
    characters: int              # in the units to code
    mode: str                    # full | partial | skip
    fingerprint: str
    code_hashes: dict[str, str]
    wanted: set[str] | None = None
    replace_codes: set[str] = field(default_factory=set)
    units: np.ndarray | None = None         # idx, start, end of the units to code
    existing: int = 0            # automatic codings of this coder the source has now
    stored: list = field(default_factory=list)  # (start, end, code id) arrays this run stored, for the kept row
    deleted: int = 0             # codings this run deleted
    code_hashes_json: str = ""   # code_hashes as stored (one string for all sources of a language)


def _hash(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:20]


def source_fingerprint(run_key: bytes, text_sha256: str, units: np.ndarray) -> str:
    """What a source's codings depend on besides the rules: the run's settings (``run_key``), the
    text and where the units to code start and end (their bytes hashed as they are, not written
    out as JSON first: this runs for every source on every run)."""
    digest = hashlib.sha256(run_key)
    digest.update(b"\0" + text_sha256.encode() + b"\0")
    digest.update(np.ascontiguousarray(units[:, 1:], dtype="<i8").tobytes())
    return digest.hexdigest()[:20]


@dataclass
class Planning:
    """Every source's plan, and how many automatic codings of the auto-coder's the project holds
    before the run."""

    plans: list[SourcePlan]
    auto_codings_before: int   # the auto-coder's codings in the project before the run


def plan_sources(store: Store, codebook: Codebook, *, unit: str, include_interviewer: bool,
                 force: bool) -> Planning:
    """Decide for each source: code in full, only changed codes, or skip."""
    states = store.autocode_states()
    counts = store.auto_coding_counts(CODER)
    codable = [c for c in codebook.codes if c.codable]
    hashes_by_lang: dict[str, tuple[dict[str, str], str, bytes]] = {}
    plans = []
    # every source's turns in one query (not one joined query per source)
    turn_units = store.turn_units_by_source(None if include_interviewer else INTERVIEWER_ROLE)
    for row in store.autocode_sources():
        lang = row["language"]
        if lang not in hashes_by_lang:
            by_code = {c.id: _hash(c.rules.get(lang)) for c in codable}
            settings = {"compounds": (codebook.settings.get("compounds") or {}).get(lang, False),
                        "min_part_length": codebook.settings.get("min_part_length")}
            run_key = _hash([ENGINE_VERSION, lang, unit, include_interviewer, settings]).encode()
            hashes_by_lang[lang] = (by_code, code_hashes_json(by_code), run_key)
        code_hashes, hashes_json, run_key = hashes_by_lang[lang]
        units = turn_units.get(row["id"])
        if units is None:       # no turns: the whole text
            length = store.source_length(row["id"])
            units = np.array([(0, 0, length)] if length else [], dtype=np.int64).reshape(-1, 3)
        fingerprint = source_fingerprint(run_key, row["text_sha256"], units)
        plan = SourcePlan(row["id"], row["name"], lang, int((units[:, 2] - units[:, 1]).sum()), "full", fingerprint, code_hashes,
                          units=units, existing=counts.get(row["id"], 0), code_hashes_json=hashes_json)
        state = states.get(row["id"])
        if not force and state is not None and state["fingerprint"] == fingerprint \
                and counts.get(row["id"], 0) == state["codings"]:
            old = json.loads(state["code_hashes"] or "{}")
            changed = {slug for slug in set(old) | set(code_hashes) if old.get(slug) != code_hashes.get(slug)}
            if not changed:
                plan.mode = "skip"
            else:
                plan.mode = "partial"
                plan.replace_codes = changed
                plan.wanted = changed & set(code_hashes)
        plans.append(plan)
    return Planning(plans, sum(counts.values()))


