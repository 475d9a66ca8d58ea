"""Reorganising the codebook after coding: rename, merge, move and delete codes, and remove codings.

The project's codes are its codebook: every change here is what ``coding codebook export --format
yaml`` writes back (with the comments of the YAML file it came from, see
:mod:`coding.codebook.roundtrip`). The caller holds the transaction: each change is all or nothing.
"""

from __future__ import annotations

import re
from collections import Counter

from ..errors import CodingError, NotFound, Refused
from ..records import CodeTree
from ..store import Store

SLUG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def _counts_text(rows) -> str:
    """'12 (auto 10, manual 2)' from rows of code_id, coder, origin, n."""
    total = sum(r["n"] for r in rows)
    by_origin = Counter()
    for r in rows:
        by_origin[r["origin"]] += r["n"]
    return f"{total} ({', '.join(f'{o} {n}' for o, n in sorted(by_origin.items()))})" if total else "0"


def parse_labels(values, default_language: str) -> dict[str, str]:
    """``--label`` values: ``LANG=TEXT`` or plain TEXT (the project's main language)."""
    labels: dict[str, str] = {}
    for value in values or ():
        lang, sep, text = value.partition("=")
        if sep and re.fullmatch(r"[a-z]{2,3}", lang.strip()):
            labels[lang.strip()] = text.strip()
        else:
            labels[default_language] = value.strip()
    if any(not t for t in labels.values()):
        raise CodingError("a label cannot be empty (--label da=Ledelse or --label Ledelse)")
    return labels


def renumber(store: Store) -> None:
    """Positions as a codebook import gives them (depth-first order, 0, 1, 2 ...), so that importing
    the written-back codebook finds every code unchanged."""
    for position, node in enumerate(CodeTree.load(store).ordered()):
        if node["position"] != position:
            store.update_code(node["id"], position=position)


def rename_code(store: Store, old: str, new: str, labels: dict[str, str] | None = None) -> dict:
    """Give a code a new id (its GUID, codings, memos and summaries stay); ``labels`` change labels too."""
    tree = CodeTree.load(store)
    node = tree.get(old)
    if new != node["code"]:
        if not SLUG.match(new):
            raise CodingError(f"'{new}' is not a code id: letters, digits, '_', '-', '.', no spaces or '/'")
        if new in tree.by_code:
            raise Refused(f"there is already a code '{new}'; to join the two use: coding code merge {node['code']} {new}")
        store.update_code(node["id"], code=new)
    if labels:
        store.update_code(node["id"], labels={**node["labels"], **labels})
    return {"old": node["code"], "new": new, "labels": {**node["labels"], **(labels or {})}}


def _merge_rules(a: dict, b: dict) -> dict:
    """B's rules with A's added (lists joined without repeats): B keeps finding what A found."""
    out = {lang: {k: (list(v) if isinstance(v, list) else v) for k, v in rules.items()} for lang, rules in b.items()}
    for lang, rules in a.items():
        mine = out.setdefault(lang, {})
        for key, value in rules.items():
            if isinstance(value, list):
                have = mine.setdefault(key, [])
                for item in value:
                    if item not in have:
                        have.append(item)
            else:
                mine.setdefault(key, value)
    return out


def merge_codes(store: Store, source: str, target: str) -> dict:
    """Code ``source``'s codings move to ``target``; a coding that then equals one already there
    (same source, span, coder) becomes one; memos, summaries, child codes and auto-coding rules
    go along; ``source`` leaves the codebook."""
    tree = CodeTree.load(store)
    a, b = tree.get(source), tree.get(target)
    if a["id"] == b["id"]:
        raise CodingError(f"cannot merge code '{a['code']}' into itself")
    if b["id"] in tree.descendants(a["id"]):
        raise Refused(f"'{b['code']}' is below '{a['code']}'; move it out first (coding code move "
                      f"{b['code']} --parent ...) or merge the other way round")
    before = sum(r["n"] for r in store.coding_counts(code_ids=[b["id"]]))
    rules_added = bool(a["rules"]) and _merge_rules(a["rules"], b["rules"]) != b["rules"]
    if rules_added:
        store.update_code(b["id"], rules=_merge_rules(a["rules"], b["rules"]))
    counts = store.merge_code_into(a["id"], b["id"])
    store.delete_code(a["id"])
    renumber(store)
    after = sum(r["n"] for r in store.coding_counts(code_ids=[b["id"]]))
    return {"merged": a["code"], "into": b["code"], **counts, "before": before, "after": after,
            "rules_added": rules_added}


def move_code(store: Store, code: str, parent: str | None) -> dict:
    """Put a code under another (``parent`` None: at the top level), last among its new siblings."""
    tree = CodeTree.load(store)
    node = tree.get(code)
    parent_id = None
    if parent is not None:
        up = tree.get(parent)
        if up["id"] in tree.descendants(node["id"]):
            raise Refused(f"cannot move '{node['code']}' under '{up['code']}', which is "
                          f"{'itself' if up['id'] == node['id'] else 'below it'}")
        parent_id = up["id"]
    siblings = [n for n in tree.children(parent_id) if n["id"] != node["id"]]
    position = max((n["position"] for n in siblings), default=-1) + 1
    store.update_code(node["id"], parent_id=parent_id, position=position)
    renumber(store)
    return {"code": node["code"], "from": tree.by_id[node["parent_id"]]["code"] if node["parent_id"] else None,
            "parent": tree.by_id[parent_id]["code"] if parent_id else None,
            "path": CodeTree.load(store).by_id[node["id"]]["path"]}


def code_delete_plan(store: Store, code: str) -> dict:
    """What deleting a code would take with it: codings (by origin), memos, summaries, children."""
    tree = CodeTree.load(store)
    node = tree.get(code)
    rows = store.coding_counts(code_ids=[node["id"]])
    return {"code": node["code"], "id": node["id"], "codings": sum(r["n"] for r in rows),
            "codings_text": _counts_text(rows), "memos": store.code_memo_count(node["id"]),
            "summaries": store.code_summary_count(node["id"]),
            "children": [n["code"] for n in tree.children(node["id"])],
            "parent_id": node["parent_id"]}


def delete_code(store: Store, code: str, *, with_codings: bool = False) -> dict:
    """Delete a code; refused while it has codings unless ``with_codings``. Its child codes move up
    to its parent; its memos and summaries go with it."""
    plan = code_delete_plan(store, code)
    if plan["codings"] and not with_codings:
        raise Refused(f"code '{plan['code']}' has {plan['codings_text']} codings; nothing deleted. Merge it "
                      f"into another code (coding code merge {plan['code']} OTHER), or delete them with it: "
                      f"coding code delete {plan['code']} --with-codings")
    removed, memos = store.remove_codings(code_ids=[plan["id"]]) if plan["codings"] else (0, 0)
    tree = CodeTree.load(store)
    siblings = tree.children(plan["parent_id"])
    position = max((n["position"] for n in siblings), default=-1) + 1
    for offset, child in enumerate(tree.children(plan["id"])):
        store.update_code(child["id"], parent_id=plan["parent_id"], position=position + offset)
    store.delete_code(plan["id"])
    renumber(store)
    return {**plan, "deleted_codings": removed, "coding_memos": memos}


def _coding_filter(store: Store, coder: str | None, code: str | None, source: str | None) -> dict:
    tree = CodeTree.load(store)
    filters: dict = {"coder": coder}
    if code is not None:
        filters["code_ids"] = tree.descendants(tree.get(code)["id"])
    if source is not None:
        row = store.source_by_name(source)
        if row is None:
            raise NotFound(f"no source named '{source}' in the project")
        filters["source_id"] = row["id"]
    if coder is not None and coder not in store.coders():
        raise NotFound(f"no codings by coder '{coder}' in the project (coders: {', '.join(store.coders()) or 'none'})")
    return filters


def count_codings(store: Store, *, coder: str | None = None, code: str | None = None,
                  source: str | None = None, ids: list[int] | None = None) -> dict:
    """How many codings a removal would delete (by origin), and which of ``ids`` do not exist."""
    if ids is not None:
        missing = sorted(set(ids) - store.existing_coding_ids(ids))
        rows = store.coding_counts(ids=ids)
    else:
        if coder is None and code is None and source is None:
            raise CodingError("say which codings: --coder, --code and/or --source")
        missing = []
        rows = store.coding_counts(**_coding_filter(store, coder, code, source))
    return {"codings": sum(r["n"] for r in rows), "text": _counts_text(rows), "missing": missing}


def remove_codings(store: Store, *, coder: str | None = None, code: str | None = None,
                   source: str | None = None, ids: list[int] | None = None) -> dict:
    """Delete codings by id (every id must exist) or by coder, code (with its descendants), source."""
    plan = count_codings(store, coder=coder, code=code, source=source, ids=ids)
    if plan["missing"]:
        raise NotFound(f"no coding with id {', '.join(map(str, plan['missing']))} in the project; nothing deleted")
    if ids is not None:
        removed, memos = store.remove_codings(ids=ids)
    else:
        removed, memos = store.remove_codings(**_coding_filter(store, coder, code, source))
    return {**plan, "deleted": removed, "memos": memos}
