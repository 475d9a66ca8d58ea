"""A participant's values in one source (the interview list's "appearance" attributes) laid over the
analysis columns: they come before the participant's own value and before the source's."""

from __future__ import annotations

import numpy as np

from ..records import INTERVIEWER_ROLE

_SHIFT = np.int64(1) << np.int64(32)


def attribute_index(attrs: dict[int, dict[str, str]], name: str, values: dict[str, int],
                    labels: list[str]) -> np.ndarray:
    """Per participant or source id: the number of its value of ``name`` in ``labels`` (new values
    are added to ``values`` and ``labels``), -1 where it has none."""
    table = np.full((max(attrs) + 1) if attrs else 1, -1, dtype=np.int64)
    for key, own in attrs.items():
        value = own.get(name)
        if value not in (None, ""):
            if value not in values:
                values[value] = len(labels)
                labels.append(value)
            table[key] = values[value]
    return table


def interviewer_by_appearance(turns: dict, appearance: dict[tuple[int, int], dict[str, str]]) -> None:
    """Set ``turns["interviewer"]`` from a role given per source, where there is one."""
    roles = {key: attrs["role"] for key, attrs in appearance.items() if "role" in attrs}
    if not roles:
        return
    for i in np.flatnonzero(np.isin(turns["participant_id"], [p for _, p in roles])).tolist():
        role = roles.get((int(turns["source_id"][i]), int(turns["participant_id"][i])))
        if role is not None:
            turns["interviewer"][i] = role == INTERVIEWER_ROLE


def values_by_appearance(name: str, appearance: dict[tuple[int, int], dict[str, str]], sid: np.ndarray,
                         pid: np.ndarray, value: np.ndarray, values: dict[str, int], labels: list[str]) -> np.ndarray:
    """``value`` (indices into ``labels``) with each (source, participant) pair's own value of the
    attribute ``name`` where the list gave one; new values are added to ``values`` and ``labels``."""
    given = sorted((s * _SHIFT + p, v[name]) for (s, p), v in appearance.items() if v.get(name, "") != "")
    if not given:
        return value
    keys = np.array([k for k, _ in given], dtype=np.int64)
    codes = []
    for _, v in given:
        if v not in values:
            values[v] = len(labels)
            labels.append(v)
        codes.append(values[v])
    pair_keys = sid.astype(np.int64) * _SHIFT + pid.astype(np.int64)
    at = np.minimum(np.searchsorted(keys, pair_keys), len(keys) - 1)
    hit = (keys[at] == pair_keys) & (pid >= 0)
    return np.where(hit, np.array(codes, dtype=np.int64)[at], value)
