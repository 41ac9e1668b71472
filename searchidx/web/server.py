"""Serving the app with uvicorn on a socket bound here, so that a busy port or a
bad address is one clear error before anything starts."""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import webbrowser
from collections.abc import Callable
from typing import Any

from ..errors import SearchidxError
from .app import LOOPBACK_NAMES, create_app


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise SearchidxError(f"--host '{host}': not an address of this machine ({exc})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = ("is in use" if exc.errno == errno.EADDRINUSE
                  else f"cannot be used ({exc.strerror})")
        raise SearchidxError(f"port {port} on {host} {reason}; choose another with --port "
                             "(--port 0 picks a free one)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(index: Any, *, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False,
          echo: Callable[[str], None] = print, warn: Callable[[str], None] = print) -> None:
    """Serve ``index`` read-only on ``host``:``port`` until interrupted (Ctrl+C).

    Anything but a loopback address makes the archive readable by whoever can
    reach this machine: that is said on ``warn``. The page answers only to the
    names it is served under (the loopback names, or any name when listening on
    every address).
    """
    import uvicorn

    stats = index.stats()  # a missing or damaged index is an error now, not on the first page
    sock = bind(host, port)
    local = is_loopback(host)
    if not local:
        warn(f"listening on {host}, not on this machine only: anyone who can reach it "
             "can read the whole index")
    everywhere = host in ("0.0.0.0", "::", "")
    allowed = None if everywhere else LOOPBACK_NAMES | {host.strip("[]").lower()}
    app = create_app(index, allowed_hosts=allowed)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           lifespan="off", server_header=False))
    url = url_of(sock)
    echo(f"serving {stats['documents']:,} articles from {index.path} at {url} "
         "(Ctrl+C to stop)")
    if open_browser:
        threading.Thread(target=_open_when_started, args=(server, url), daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _open_when_started(server: Any, url: str) -> None:
    import time

    for _ in range(100):
        if server.started:
            webbrowser.open(url)
            return
        time.sleep(0.05)
