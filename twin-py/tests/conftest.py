"""Shared fixtures: the repository's data folder (tests read the shipped files)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def reference(data: Path) -> dict:
    import json

    with open(data / "reference" / "reference_metrics.json", encoding="utf-8") as f:
        return json.load(f)
