"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_files import refi_fixture


@pytest.fixture
def refi_fixtures() -> Path:
    """The REFI-QDA fixtures folder in ../shared/; the test skips (one line) when it is absent."""
    return refi_fixture()
