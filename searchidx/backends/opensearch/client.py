"""A small JSON-over-HTTP client for OpenSearch, on urllib3.

Why not ``opensearch-py``: searchidx needs a dozen REST calls, per-item bulk
retries and fail-over between the nodes it is given; urllib3 (already installed
with trafilatura) does the HTTP, pooling and TLS, and this module adds what a
cluster client must: several node URLs tried in turn when one is down, bounded
exponential back-off on 429 and 5xx answers, credentials from the environment
only, and one-line errors.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import urllib3

from ...errors import SearchidxError

ENV_USER = "SEARCHIDX_OPENSEARCH_USER"
ENV_PASSWORD = "SEARCHIDX_OPENSEARCH_PASSWORD"
ENV_CA_CERTS = "SEARCHIDX_OPENSEARCH_CA_CERTS"  # a PEM bundle for a cluster's own CA
# statuses worth sending again: too many requests (the cluster's back-pressure), and the
# server-side failures a node that is starting, stopping or overloaded gives
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class OpenSearchError(SearchidxError):
    """An answer or a failure of the cluster, as one line a user can act on."""

    def __init__(self, message: str, status: int | None = None,
                 error_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


class ClusterUnavailableError(OpenSearchError):
    """No node could be reached, or the cluster kept refusing after every retry."""


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential back-off: ``attempts`` tries in all, the pause doubling from
    ``first`` seconds up to ``most``, each pause jittered so that several indexers
    pushed back at once do not come back at once."""

    attempts: int = 8
    first: float = 0.2
    most: float = 10.0

    def pauses(self) -> Iterable[float]:
        pause = self.first
        for _ in range(self.attempts - 1):
            yield pause * random.uniform(0.5, 1.0)
            pause = min(self.most, pause * 2)


@dataclass
class Response:
    status: int
    body: Any  # the decoded JSON answer (None for an empty body)


def _parse_urls(urls: str | Sequence[str]) -> list[str]:
    listed = urls.split(",") if isinstance(urls, str) else list(urls)
    found: list[str] = []
    for url in (u.strip().rstrip("/") for u in listed):
        if not url:
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OpenSearchError(f"--url: '{url}' is not an http:// or https:// address "
                                  "such as http://127.0.0.1:9200")
        if parts.username or parts.password:
            raise OpenSearchError(f"--url: '{parts.hostname}': put no credentials in the URL; "
                                  f"set {ENV_USER} and {ENV_PASSWORD} instead")
        found.append(url)
    if not found:
        raise OpenSearchError("--url: give the cluster's address, e.g. http://127.0.0.1:9200")
    return found


def error_reason(body: Any) -> tuple[str | None, str]:
    """(type, reason) of an OpenSearch error answer, the root cause first."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        cause = causes[0] if isinstance(causes[0], dict) else error
        return cause.get("type"), str(cause.get("reason") or error.get("reason") or error)
    if error:
        return None, str(error)
    return None, str(body)[:300]


class Client:
    """JSON requests to an OpenSearch cluster through any of its nodes.

    ``urls`` is one base URL or several (a list, or comma-separated): a request
    that cannot reach a node goes to the next, so a cluster keeps answering while
    one of its nodes is down. Credentials come from ``$SEARCHIDX_OPENSEARCH_USER`` /
    ``$SEARCHIDX_OPENSEARCH_PASSWORD`` (never the command line, where ``ps`` shows
    them); an ``https://`` cluster's certificate is checked against the system's
    CAs or ``$SEARCHIDX_OPENSEARCH_CA_CERTS``.
    """

    def __init__(self, urls: str | Sequence[str], *, user: str | None = None,
                 password: str | None = None, ca_certs: str | None = None,
                 timeout: float = 60.0, backoff: Backoff | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.urls = _parse_urls(urls)
        self.backoff = backoff or Backoff()
        self.retries = 0  # requests sent again after a 429/5xx or an unreachable node
        self._sleep = sleep
        self._next = 0
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if user is not None or password is not None:
            if not user or password is None:
                raise OpenSearchError(f"set both {ENV_USER} and {ENV_PASSWORD}, or neither")
            self._headers.update(urllib3.util.make_headers(basic_auth=f"{user}:{password}"))
        pool: dict[str, Any] = {"cert_reqs": "CERT_REQUIRED"}
        if ca_certs:
            if not os.path.isfile(ca_certs):
                raise OpenSearchError(f"{ENV_CA_CERTS}: no file '{ca_certs}'")
            pool["ca_certs"] = ca_certs
        else:
            try:
                import certifi

                pool["ca_certs"] = certifi.where()
            except ImportError:  # urllib3 then uses the system's store
                pass
        self._http = urllib3.PoolManager(
            num_pools=max(4, len(self.urls)), maxsize=8, retries=False,
            timeout=urllib3.Timeout(connect=5.0, read=timeout), **pool)

    @classmethod
    def from_env(cls, urls: str | Sequence[str], environ: Mapping[str, str] | None = None,
                 **options: Any) -> Client:
        """A client with the credentials and CA bundle named by the environment."""
        env = os.environ if environ is None else environ
        return cls(urls, user=env.get(ENV_USER) or None,
                   password=env.get(ENV_PASSWORD) if env.get(ENV_USER) else None,
                   ca_certs=env.get(ENV_CA_CERTS) or None, **options)

    @property
    def url(self) -> str:
        """The node the next request goes to first."""
        return self.urls[self._next]

    def close(self) -> None:
        self._http.clear()

    def request(self, method: str, path: str, body: Any = None, *,
                params: Mapping[str, Any] | None = None, ok: Iterable[int] = (),
                ndjson: Sequence[Any] | None = None, retry: bool = True) -> Response:
        """Send one request; return the answer if its status is 2xx or in ``ok``.

        ``body`` is sent as JSON, ``ndjson`` as newline-delimited JSON (``_bulk``).
        429 and 5xx answers and unreachable nodes are retried with back-off (unless
        ``retry`` is false); anything else that is not wanted raises
        :class:`OpenSearchError` with the cluster's own reason.
        """
        payload: bytes | None = None
        headers = self._headers
        if ndjson is not None:
            payload = b"".join(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n"
                               for line in ndjson)
            headers = {**headers, "Content-Type": "application/x-ndjson"}
        elif body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        query = f"?{urlencode(params)}" if params else ""
        wanted = set(ok)
        pauses = iter(self.backoff.pauses() if retry else ())
        while True:
            try:
                answer = self._send(method, path + query, payload, headers)
            except ClusterUnavailableError:
                pause = next(pauses, None)
                if pause is None:
                    raise
                self.retries += 1
                self._sleep(pause)
                continue
            if 200 <= answer.status < 300 or answer.status in wanted:
                return answer
            if answer.status in RETRY_STATUSES:
                pause = next(pauses, None)
                if pause is not None:
                    self.retries += 1
                    self._sleep(pause)
                    continue
            kind, reason = error_reason(answer.body)
            error = ClusterUnavailableError if answer.status in RETRY_STATUSES else OpenSearchError
            raise error(f"OpenSearch at {self.url}: {method} {path} answered {answer.status} "
                        f"{kind or 'error'}: {reason}", answer.status, kind)

    def _send(self, method: str, target: str, payload: bytes | None,
              headers: Mapping[str, str]) -> Response:
        """One try, on each node in turn until one answers."""
        failures: list[str] = []
        for _ in range(len(self.urls)):
            base = self.urls[self._next]
            try:
                raw = self._http.request(method, base + target, body=payload, headers=headers)
            except urllib3.exceptions.SSLError as exc:
                raise OpenSearchError(f"OpenSearch at {base}: TLS failed ({exc.__class__.__name__}"
                                      f"); set {ENV_CA_CERTS} to the cluster's CA bundle") from None
            except urllib3.exceptions.HTTPError as exc:
                failures.append(f"{base} ({exc.__class__.__name__})")
                self._next = (self._next + 1) % len(self.urls)
                continue
            data = raw.data
            try:
                decoded = json.loads(data) if data else None
            except ValueError:
                decoded = {"error": data[:300].decode("utf-8", "replace")}
            if raw.status == 401:
                raise OpenSearchError(f"OpenSearch at {base}: 401 unauthorised: set {ENV_USER} "
                                      f"and {ENV_PASSWORD} to an account of the cluster", 401)
            return Response(raw.status, decoded)
        raise ClusterUnavailableError("OpenSearch: no node answers: " + ", ".join(failures)
                                      + "; is the cluster running (--url)?")

    # -- the calls the backend makes ------------------------------------------------------
    def get(self, path: str, **options: Any) -> Response:
        return self.request("GET", path, **options)

    def put(self, path: str, body: Any = None, **options: Any) -> Response:
        return self.request("PUT", path, body, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> Response:
        return self.request("POST", path, body, **options)

    def delete(self, path: str, **options: Any) -> Response:
        return self.request("DELETE", path, **options)

    def health(self, index: str | None = None, wait_for: str = "yellow",
               timeout_s: int = 30) -> dict[str, Any]:
        """The cluster's (or an index's) health once it is at least ``wait_for``."""
        path = "/_cluster/health" + (f"/{quote(index, safe='')}" if index else "")
        return self.get(path, params={"wait_for_status": wait_for,
                                      "timeout": f"{timeout_s}s"}).body


def path_id(value: str) -> str:
    """A document id as one URL path segment."""
    return quote(value, safe="")
