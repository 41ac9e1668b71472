"""One export of the web page (``/export.csv`` or ``/export.jsonl``) through the app in
this process, its body counted and thrown away: the seconds, the bytes and the peak
RSS of the process. Run it in fresh processes, side by side with another checkout's
(``PYTHONPATH=CHECKOUT``), for paired figures:

    .venv/bin/python scripts/bench_web_export.py --index /tmp/bench-web/index --query ""

The index: DICE as ``scripts/bench_web.py`` builds it in its work folder (issue 22).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from typing import Any
from urllib.parse import urlencode


async def exported(app: Any, path: str, query: str) -> tuple[int, int]:
    """(status, bytes of body) of one GET through the ASGI app."""
    sent, status, asked = 0, 0, False

    async def receive() -> dict[str, Any]:  # the request, then no disconnect
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal sent, status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            sent += len(message.get("body", b""))

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "headers": [(b"host", b"127.0.0.1")],
             "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 8765),
             "client": ("127.0.0.1", 1), "root_path": ""}
    await app(scope, receive, send)
    return status, sent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", required=True, help="the index folder")
    parser.add_argument("--query", default="", help="the search (q=); default: every article")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    args = parser.parse_args(argv)
    from searchidx import Index
    from searchidx.web import create_app

    started = time.perf_counter()
    status, sent = asyncio.run(exported(create_app(Index(args.index)), f"/export.{args.format}",
                                        urlencode({"q": args.query})))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"export.{args.format} q={args.query!r}: status {status}, {sent:,} bytes in "
          f"{time.perf_counter() - started:.2f} s, peak RSS {peak:.1f} MiB")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
