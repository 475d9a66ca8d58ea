"""A table from 64-bit hashes to integers, addressed by a hash's low bits, for numpy lookups.

``forms.FormTable`` (lower-form hash to form id) and ``span_tokens._SpanHashes`` (span hash to
span id and length) look up every token or span of a batch at once: a lookup is two gathers and a
compare, where a binary search or a Python dict would cost far more. Each slot holds the first hash
put there and its value; a hash whose slot another holds goes to the next slot if that is free (a
second look for the hashes not found in their own). A hash that finds both taken is not in the
table, and its owner finds it some slower way (both callers do).

The table grows with what it holds, an eighth full at most, up to ``max_bits``: a lookup misses
the processor's caches far less in a small table than in a large one of fixed size.
"""

from __future__ import annotations

import numpy as np

MIN_BITS = 12
MAX_BITS = 20               # 2**20 slots: 16 MB at most
LOAD = 8                    # slots per hash held, at least (until MAX_BITS)


class SlotTable:
    """Hashes (uint64) to values (non-negative int64); -1 where a hash is not held."""

    def __init__(self, max_bits: int = MAX_BITS, min_bits: int = MIN_BITS):
        self.max_bits = max_bits
        self._held: list[tuple[np.ndarray, np.ndarray]] = []     # what was put, in order (to grow)
        self._count = 0
        self._make(min(min_bits, max_bits))

    def _make(self, bits: int) -> None:
        self.bits = bits
        self.hashes = np.zeros(1 << bits, dtype=np.uint64)
        self.values = np.full(1 << bits, -1, dtype=np.int64)
        self._second = False        # some hash is held in the slot after its own

    def _place(self, slots: np.ndarray, hashes: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Put each hash in its slot if that is free (the first of several with one slot);
        whether it was put."""
        slot, first = np.unique(slots, return_index=True)
        free = self.values[slot] < 0
        self.hashes[slot[free]] = hashes[first[free]]
        self.values[slot[free]] = values[first[free]]
        placed = np.zeros(len(hashes), dtype=bool)
        placed[first[free]] = True
        return placed

    @property
    def filled(self) -> int:
        """Slots holding a hash."""
        return int((self.values >= 0).sum())

    def slots(self, hashes: np.ndarray) -> np.ndarray:
        return (hashes & np.uint64((1 << self.bits) - 1)).astype(np.intp)

    def get(self, hashes: np.ndarray) -> np.ndarray:
        """The value of each hash, -1 where the table does not hold it."""
        slot = self.slots(hashes)
        value = np.where(self.hashes.take(slot) == hashes, self.values.take(slot), -1)
        if self._second:
            miss = np.flatnonzero(value < 0)
            if len(miss):
                slot = (slot[miss] + 1) & ((1 << self.bits) - 1)
                value[miss] = np.where(self.hashes.take(slot) == hashes[miss], self.values.take(slot), -1)
        return value

    def put(self, hashes: np.ndarray, values: np.ndarray) -> None:
        """Hold these hashes (not held yet; a hash given twice counts once) where their slots are
        free; the first of several with one slot wins."""
        if not len(hashes):
            return
        hashes = np.asarray(hashes, dtype=np.uint64)
        values = np.asarray(values, dtype=np.int64)
        _, first = np.unique(hashes, return_index=True)
        if len(first) < len(hashes):
            first.sort()
            hashes, values = hashes[first], values[first]
        self._held.append((hashes, values))
        self._count += len(hashes)
        bits = self.bits
        while bits < self.max_bits and self._count * LOAD > (1 << bits):
            bits += 1
        if bits != self.bits:       # grown: everything again, in the order it came (few share a slot)
            self._make(bits)
            self._held = [(np.concatenate([h for h, _ in self._held]), np.concatenate([v for _, v in self._held]))]
            hashes, values = self._held[0]
        slots = self.slots(hashes)
        placed = self._place(slots, hashes, values)
        rest = np.flatnonzero(~placed)          # their slot was taken: the next one, if it is free
        if len(rest):
            placed[rest] = self._place((slots[rest] + 1) & ((1 << self.bits) - 1), hashes[rest], values[rest])
            self._second |= bool(placed[rest].any())
        if self.bits == self.max_bits:
            self._held = []         # it will not grow again
