"""Files the tests read from ``../shared/`` beside the repository (the REFI-QDA fixtures: files NVivo
and ATLAS.ti wrote, and the REFI XML schemas), which a bare clone does not have.

A test that needs one skips with a one-line reason when it is absent. CI has ``../shared/`` and sets
``CODING_REQUIRE_SHARED=1`` (see ``.ci/run``): there an absent file fails the test instead, so the
tests cannot quietly stop running. ``CODING_SHARED_DIR`` points at another folder (a git worktree
kept elsewhere than beside ``shared/``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("CODING_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared")
REQUIRE = "CODING_REQUIRE_SHARED"


def shared_path(*parts: str) -> Path:
    """``../shared/<parts>``; skips the calling test when it is absent (fails under CODING_REQUIRE_SHARED)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"needs ../shared/{'/'.join(parts)} beside the repository (not in a bare clone)"
        if os.environ.get(REQUIRE):
            pytest.fail(f"{reason}, and {REQUIRE} is set", pytrace=False)
        pytest.skip(reason)
    return path


def refi_fixture(name: str = "") -> Path:
    """A file of the REFI-QDA fixtures (or their folder), skipping when absent."""
    return shared_path("fixtures", "refi", *([name] if name else []))
