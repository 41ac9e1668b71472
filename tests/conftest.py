"""Shared fixtures: an index of the five seeds, built once per test session."""

import os
from pathlib import Path

import pytest
import yaml

from searchidx import Index
from searchidx.config import load_config

from .opensearch_cluster import cluster_index, os_client  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = yaml.safe_load((Path(__file__).parent / "fixtures" / "seeds_gold.yaml").read_text("utf-8"))
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def private_cache_folder(tmp_path_factory):
    """The parsed-configuration and help caches of this session's processes (its
    subprocesses too) in a folder of its own, never the user's."""
    from searchidx.cachedir import CACHE_ENV

    given = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(tmp_path_factory.mktemp("cache"))
    yield
    if given is None:
        del os.environ[CACHE_ENV]
    else:
        os.environ[CACHE_ENV] = given


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


@pytest.fixture(scope="session")
def os_seeds_index(cluster_index, config):  # noqa: F811
    """The seeds in an index of the test cluster (skips without one)."""
    ix = cluster_index([SEEDS], config)
    assert ix.stats()["documents"] == 5
    return ix


@pytest.fixture(params=["whoosh", "opensearch"])
def any_seeds_index(request):
    """The seeds index on each backend in turn: the same answers are expected of both."""
    return request.getfixturevalue("seeds_index" if request.param == "whoosh"
                                   else "os_seeds_index")


def shared_data(relative: str) -> Path:
    """A corpus file from ../shared/data, or skip where this clone has none."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} not present (../shared/data is only beside the CI checkout)")
    return path
