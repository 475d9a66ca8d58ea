"""Identifiers and times stamped on stored rows: GUIDs (kept across REFI exchanges) and UTC times."""

from __future__ import annotations

import datetime as _dt
import uuid


def now() -> str:
    """The current UTC time to the second, ISO 8601: the ``created_at``/``updated_at`` of a row."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def new_guid() -> str:
    return str(uuid.uuid4())


class GuidSequence:
    """GUIDs in the layout of UUID version 7 (RFC 9562): the time in milliseconds when the
    sequence began, 12 random bits, then a 62-bit counter that starts at a random value. Many times
    cheaper to make than uuid4 strings, and consecutive ones sit next to each other in the unique
    ``guid`` index instead of at random places in it. Once stored, a GUID never changes. They are
    made a block at a time (a few hundred per source would pay numpy's set-up each time); the
    unused rest of a block is skipped, so the sequence only ever goes up."""

    BLOCK = 65_536

    def __init__(self) -> None:
        import os
        import time

        millis = time.time_ns() // 1_000_000
        random = int.from_bytes(os.urandom(10), "big")
        head = f"{(millis & (2**48 - 1)) << 16 | 0x7000 | (random >> 68):016x}"
        self._prefix = f"{head[:8]}-{head[8:12]}-{head[12:]}-"
        self._next = random & (2**61 - 1)  # room below 2**62 for the counter
        self._ready: list[str] = []
        self._used = 0

    def take(self, count: int) -> list[str]:
        if self._used + count > len(self._ready):
            self._ready, self._used = self._make(max(count, self.BLOCK)), 0
        self._used += count
        return self._ready[self._used - count:self._used]

    def _make(self, count: int) -> list[str]:
        import numpy as np

        first, self._next = self._next, self._next + count
        # the counters with the variant bits as hex digits (16 each), laid out with the prefix and
        # the last hyphen as one array of characters, and cut into GUIDs
        digits = (np.arange(first, first + count, dtype=np.uint64) | np.uint64(2**63)).astype(">u8").tobytes().hex()
        prefix = np.frombuffer(self._prefix.encode("ascii"), dtype=np.uint8)
        width = len(prefix) + 17
        layout = np.empty((count, width), dtype="<u4")    # code points: a numpy str array's layout
        layout[:, :len(prefix)] = prefix
        hexes = np.frombuffer(digits.encode("ascii"), dtype=np.uint8).reshape(count, 16)
        layout[:, len(prefix):len(prefix) + 4] = hexes[:, :4]
        layout[:, len(prefix) + 4] = ord("-")
        layout[:, len(prefix) + 5:] = hexes[:, 4:]
        return layout.view(f"<U{width}").ravel().tolist()


