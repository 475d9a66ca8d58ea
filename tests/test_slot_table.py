"""The slot table behind the form and span lookups (coding/autocode/slot_table.py)."""

from __future__ import annotations

import numpy as np

from coding.autocode.slot_table import SlotTable


def test_values_are_found_by_hash_and_missing_hashes_give_minus_one():
    table = SlotTable()
    hashes = np.array([5, 2**63 + 7, 123456789], dtype=np.uint64)
    table.put(hashes, np.array([0, 1, 2]))
    assert table.get(hashes).tolist() == [0, 1, 2]
    assert table.get(np.array([6, 0], dtype=np.uint64)).tolist() == [-1, -1]


def test_a_hash_whose_slot_is_taken_goes_to_the_next_one_or_is_not_held():
    table = SlotTable(max_bits=2)
    table.put(np.array([1, 5], dtype=np.uint64), np.array([10, 11]))   # both in slot 1 of 4: 5 in slot 2
    table.put(np.array([9, 2], dtype=np.uint64), np.array([12, 13]))   # slots 1 and 2 taken; 2 takes 3
    table.put(np.array([3], dtype=np.uint64), np.array([14]))          # slot 3 taken, then slot 0
    assert table.get(np.array([1, 5, 9, 2, 3, 7], dtype=np.uint64)).tolist() == [10, 11, -1, 13, 14, -1]
    assert table.filled == 4


def test_the_table_grows_an_eighth_full_and_keeps_every_value_it_held():
    rng = np.random.default_rng(1)
    table = SlotTable(max_bits=16, min_bits=4)
    hashes = np.unique(rng.integers(0, 2**64 - 1, size=5000, dtype=np.uint64, endpoint=True))
    held = {}
    for start in range(0, len(hashes), 700):
        part = hashes[start:start + 700]
        before = table.get(hashes[:start])
        table.put(part, np.arange(start, start + len(part)))
        after = table.get(hashes[:start])
        both = (before >= 0) & (after >= 0)
        assert (after[both] == before[both]).all()                     # a value never changes
        assert both.sum() >= 0.99 * (before >= 0).sum()                 # and hardly a hash is let go
        held.update(zip(part.tolist(), range(start, start + len(part))))
    assert 8 * len(hashes) <= 2 ** table.bits <= 16 * len(hashes)
    found = table.get(hashes)
    assert (found[found >= 0] == np.arange(len(hashes))[found >= 0]).all()
    assert (found >= 0).mean() > 0.99                                      # few are left out an eighth full


def test_the_table_stops_growing_at_its_largest_size():
    table = SlotTable(max_bits=6, min_bits=2)
    table.put(np.arange(1, 1000, dtype=np.uint64), np.arange(999))
    assert table.bits == 6 and table.filled == 64
    assert table.get(np.arange(1, 65, dtype=np.uint64)).tolist() == list(range(64))


def test_a_hash_given_twice_is_held_once_with_its_first_value():
    table = SlotTable(min_bits=4)
    table.put(np.array([3, 3, 3, 4], dtype=np.uint64), np.array([1, 2, 3, 4]))
    assert table.get(np.array([3, 4], dtype=np.uint64)).tolist() == [1, 4]
    assert table._count == 2
