"""Shared fixtures: an index of the five seeds, built once per test session."""

from pathlib import Path

import pytest
import yaml

from searchidx import Index
from searchidx.config import load_config

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = yaml.safe_load((Path(__file__).parent / "fixtures" / "seeds_gold.yaml").read_text("utf-8"))
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def config():
    return load_config(search_cwd=False)


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, config):
    folder = tmp_path_factory.mktemp("seeds-index")
    ix = Index(folder, config)
    report = ix.update([SEEDS])
    assert report.added == 5 and report.failed == 0, report.errors
    return ix


def shared_data(relative: str) -> Path:
    """A corpus file from ../shared/data, or skip where this clone has none."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/data is only beside the CI checkout)")
    return path
