"""The real OpenSearch cluster the backend tests run against (never a mock).

``.ci/run`` starts one with ``scripts/opensearch-cluster.sh start`` and exports its URL
as ``$SEARCHIDX_TEST_OPENSEARCH_URL``; locally::

    export SEARCHIDX_TEST_OPENSEARCH_URL=$(scripts/opensearch-cluster.sh start --port 0)

Without it the cluster tests skip, saying so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ENV_URL = "SEARCHIDX_TEST_OPENSEARCH_URL"
SCRIPT = "scripts/opensearch-cluster.sh"


def cluster_url() -> str:
    """The test cluster's URL(s), or skip with the reason."""
    url = os.environ.get(ENV_URL)
    if url:
        return url
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"no OpenSearch cluster: {' and '.join(missing)} not installed "
                    f"(and ${ENV_URL} not set)")
    pytest.skip(f"no OpenSearch cluster: set ${ENV_URL}, e.g. "
                f"export {ENV_URL}=$({SCRIPT} start --port 0)")


@pytest.fixture(scope="session")
def os_client():
    from searchidx.backends.opensearch.client import Client

    client = Client.from_env(cluster_url())
    client.health(wait_for="yellow")
    yield client
    client.close()


def drop_index(client, name: str) -> None:
    """Remove an index of the tests, its manifest and its template."""
    from searchidx.backends.opensearch.manifest import manifest_index
    from searchidx.backends.opensearch.schema import template_name

    for index in (name, manifest_index(name)):
        client.delete(f"/{index}", ok=(404,))
    client.delete(f"/_index_template/{template_name(name)}", ok=(404,))


@pytest.fixture
def index_name(os_client) -> Iterator[str]:
    """A fresh index name; the index, its template and its manifest go afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    drop_index(os_client, name)


@pytest.fixture(scope="session")
def cluster_index(os_client):
    """Make indexes in the test cluster with ``cluster_index(paths, config)``: each an
    ``Index`` on the opensearch backend, removed at the end of the session."""
    from searchidx import Index

    made: list[str] = []

    def make(paths, config, **options):
        name = f"test-{uuid.uuid4().hex[:12]}"
        made.append(name)
        ix = Index(name, config, backend="opensearch", url=cluster_url())
        report = ix.update(paths, **options)
        assert report.failed == 0, report.errors
        return ix

    yield make
    for name in made:
        drop_index(os_client, name)


def cluster_script(*args: str) -> subprocess.CompletedProcess[str]:
    """``scripts/opensearch-cluster.sh ARGS``, as a user runs it."""
    script = Path(__file__).resolve().parents[1] / "scripts" / "opensearch-cluster.sh"
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True,
                          timeout=400)


def start_own_cluster(folder: Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Two nodes of a test's own in ``folder`` (which it may stop): what the launcher
    answered, and each node's URL from its report on standard error."""
    started = cluster_script("start", "--nodes", "2", "--port", "0", "--heap", "384m",
                             "--dir", str(folder))
    assert started.returncode == 0, started.stderr
    return started, re.findall(r"node-\d (http://\S+)", started.stderr)
