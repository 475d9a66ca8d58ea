"""Writing the project's codebook back into the YAML file it came from, comments and layout kept.

When a codebook is imported from a YAML file, its text and the GUID of each of its codes are kept
in the project (``meta``: ``codebook_yaml``). After codes were renamed, merged, moved, deleted,
relabelled or added, :func:`write_back` loads that text with ruamel.yaml's round-trip loader and
changes only what differs from the project: the comments, the order of keys, folded texts and
flow-style lists of everything untouched stay as they were written.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from ..store import Store

META_KEY = "codebook_yaml"
FIELDS = ("labels", "definition", "include", "exclude", "examples", "color", "codable", "rules")


def remember(store: Store, text: str | None) -> None:
    """Keep the YAML text just imported and which code (by GUID) each of its ids is; None forgets."""
    if text is None:
        if store.get_meta(META_KEY):
            store.set_meta(META_KEY, "")
        return
    ids = {row["guid"]: row["code"] for row in store.codes()}
    store.set_meta(META_KEY, json.dumps({"text": text, "ids": ids}, ensure_ascii=False))


def kept(store: Store) -> dict | None:
    raw = store.get_meta(META_KEY)
    return json.loads(raw) if raw else None


def source_file(store: Store) -> str | None:
    """The YAML file the project's codebook was imported from, when its text is kept."""
    if not kept(store):
        return None
    raw = store.get_meta("codebook")
    return (json.loads(raw).get("file") if raw else None) or None


def _yaml():
    from ruamel.yaml import YAML

    y = YAML()  # round trip
    y.preserve_quotes = True
    y.width = 100
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _walk(codes, parent: str | None, out: dict) -> None:
    """Original code nodes by id: (node, the list holding it, parent id as written)."""
    for node in codes or ():
        if not hasattr(node, "get") or node.get("id") is None:
            continue
        out[str(node["id"])] = (node, codes, node.get("parent", parent))
        _walk(node.get("children"), str(node["id"]), out)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def write_back(store: Store, book) -> str | None:
    """The YAML text of ``book`` (the project's codebook) written into the kept file text, or None
    when the codebook did not come from a YAML file."""
    from .model import Codebook, _plain_rules

    memory = kept(store)
    if not memory or not memory.get("text"):
        return None
    y = _yaml()
    data = y.load(memory["text"])
    original_book = Codebook.from_dict(json.loads(json.dumps(_load_plain(memory["text"]))))
    before = original_book.by_id()
    nodes: dict[str, tuple] = {}
    _walk(data.get("codes"), None, nodes)
    flat = any("parent" in node for node, _, _ in nodes.values())
    current = {c.guid: c for c in book.codes}
    by_id = book.by_id()
    old_id_of = {guid: memory["ids"].get(guid) for guid in current}
    # 1. codes that are gone: their nodes leave (after their children are taken out, step 2)
    gone = [code for code in nodes if code not in {old_id_of[g] for g in current if old_id_of[g]}]
    # 2. codes whose parent changed move to their new parent's list (nested layout) or get a new
    #    'parent' (flat layout); new codes are appended where they belong
    placed: dict[str, Any] = {}
    for code in book.codes:
        old = old_id_of.get(code.guid)
        if old is not None and old in nodes:
            node, holder, _ = nodes[old]
            old_parent = before[old].parent if old in before else None
            new_parent_old_id = old_id_of.get(by_id[code.parent].guid) if code.parent else None
            if (old_parent or None) != (new_parent_old_id or None) or (code.parent and new_parent_old_id is None):
                if flat:
                    if code.parent:
                        node["parent"] = code.parent
                    elif "parent" in node:
                        del node["parent"]
                else:
                    _remove(holder, node)
                    target = _children_list(data, placed, nodes, old_id_of, by_id, code.parent)
                    target.append(node)
                    nodes[old] = (node, target, code.parent)
            placed[code.id] = node
        else:
            node = _new_node(code, _plain_rules)
            if flat:
                if code.parent:
                    node["parent"] = code.parent
                data["codes"].append(node)
            else:
                _children_list(data, placed, nodes, old_id_of, by_id, code.parent).append(node)
            placed[code.id] = node
    for code in gone:
        node, holder, _ = nodes[code]
        if not flat and node.get("children"):
            pass  # children still there were moved out above; what is left is gone too
        _remove(holder, node)
    # 3. fields: the id (renames) and whatever differs from what the file said
    for code in book.codes:
        node = placed[code.id]
        old = old_id_of.get(code.guid)
        if node.get("id") != code.id:
            node["id"] = code.id
        if flat and node.get("parent") != code.parent:
            if code.parent:
                node["parent"] = code.parent
            else:
                del node["parent"]
        said = before.get(old) if old else None
        for field in FIELDS:
            now = getattr(code, field)
            was = getattr(said, field) if said is not None else None
            if said is not None and _plain(now) == _plain(was):
                continue
            if field == "rules":
                now = _plain_rules(now)
            if field == "codable":
                if now is True and "codable" not in node:
                    continue
            if not now and field not in ("codable",):
                if field in node:
                    del node[field]
                continue
            _assign(node, field, _plain(now))
    for node, _, _ in nodes.values():
        if "children" in node and not node["children"]:
            del node["children"]
    out = io.StringIO()
    y.dump(data, out)
    # ruamel re-wraps long flow lists and leaves a space at the end of each wrapped line
    text = "\n".join(line.rstrip() for line in out.getvalue().split("\n"))
    new_id = {old: current[guid].id for guid, old in old_id_of.items() if old}
    text = _rescue_comments(memory["text"], text, new_id)
    return text if _same(text, book) else None


ID_LINE = re.compile(r"^(\s*)-\s+id:\s*['\"]?([^'\"\s#]+)")


def _rescue_comments(original: str, text: str, new_id: dict[str, str]) -> str:
    """Put back comment lines that introduced a code still there (ruamel hangs such a comment on the
    end of the code before it, and loses it when that code is deleted), just above that code."""
    have = {line.strip() for line in text.splitlines()}
    lines = original.splitlines()
    out = text.split("\n")
    block: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            block.append(line)
            continue
        if not stripped:
            continue
        match = ID_LINE.match(line)
        lost = [b for b in block if b.strip() not in have]
        block = []
        if not lost or not match or match.group(2) not in new_id:
            continue
        wanted = new_id[match.group(2)]
        for i, candidate in enumerate(out):
            found = ID_LINE.match(candidate)
            if found and found.group(2) == wanted:
                indent = found.group(1)
                out[i:i] = [indent + b.strip() for b in lost]
                break
    return "\n".join(out)


def _same(text: str, book) -> bool:
    """Whether ``text`` reads back as ``book``'s codes (ids, parents, order, every field): the
    written-back file must say exactly what the project holds, or it is not used."""
    from .model import Codebook, CodebookError

    try:
        again = Codebook.from_dict(_load_plain(text))
    except (CodebookError, ValueError):
        return False

    def shape(b):
        return [(c.id, c.parent, _plain(c.stored())) for c in b.codes]
    return shape(again) == shape(book)


def _assign(container, key, value) -> None:
    """Set ``container[key]`` to ``value`` changing as little as possible: mappings key by key
    (their comments and flow style stay), lists replaced only when they differ (keeping flow style)."""
    old = container.get(key) if hasattr(container, "get") else None
    if isinstance(value, dict) and hasattr(old, "items"):
        for k in [k for k in old if k not in value]:
            del old[k]
        for k, v in value.items():
            if _plain(old.get(k)) != v:
                _assign(old, k, v)
        return
    if isinstance(value, list) and isinstance(old, list):
        if _plain(list(old)) == value:
            return
        from ruamel.yaml.comments import CommentedSeq

        seq = CommentedSeq(value)
        if getattr(old, "fa", None) is not None and old.fa.flow_style():
            seq.fa.set_flow_style()
        container[key] = seq
        return
    container[key] = value


def _load_plain(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _remove(holder, node) -> None:
    for i, item in enumerate(holder):
        if item is node:
            del holder[i]
            return


def _children_list(data, placed: dict, nodes: dict, old_id_of: dict, by_id: dict, parent: str | None):
    """The list that holds the children of ``parent`` (new id; None: the top-level codes)."""
    if parent is None:
        return data["codes"]
    node = placed.get(parent)
    if node is None:
        old = old_id_of.get(by_id[parent].guid)
        node = nodes[old][0] if old in nodes else None
    if node is None:
        return data["codes"]
    if node.get("children") is None:
        from ruamel.yaml.comments import CommentedSeq

        node["children"] = CommentedSeq()
    return node["children"]


def _new_node(code, plain_rules) -> dict:
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap()
    node["id"] = code.id
    node["labels"] = dict(code.labels)
    for key in ("definition", "include", "exclude"):
        if getattr(code, key):
            node[key] = getattr(code, key)
    if code.examples:
        node["examples"] = list(code.examples)
    if code.color:
        node["color"] = code.color
    if not code.codable:
        node["codable"] = False
    if code.rules:
        node["rules"] = _plain(plain_rules(code.rules))
    return node
