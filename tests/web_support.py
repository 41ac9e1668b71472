"""What the web tests share: the fixture corpus (dated across years, months and
days, with hostile markup in every field) and a real ``searchidx serve`` process."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchidx import Index
from searchidx.config import load_config

FIXTURES = Path(__file__).parent / "fixtures" / "web"
ARTICLES = FIXTURES / "articles.jsonl"
PEOPLE = FIXTURES / "people.yaml"  # makes "Mario Rossi" a person whose name is markup
HOSTILE_PERSON = "Mario <img src=x onerror=alert('person')> Rossi"
SERVER_START_S = 30


def require_web() -> None:
    for module in ("starlette", "jinja2", "uvicorn"):
        pytest.importorskip(module, reason="the web extra is not installed: "
                                           "pip install -e '.[web,browser]'")


def web_config():
    return load_config(PEOPLE)


def build_index(folder: Path) -> Index:
    ix = Index(folder, web_config())
    report = ix.update([ARTICLES])
    assert report.added == 13 and not report.failed, report.errors
    return ix


def build_story_index(folder: Path) -> Index:
    """Real articles from the seeds with what the web fixture lacks: two versions of
    one story (s1, and s2 a sentence longer under a new title), articles like them,
    and a surname two people share (Bianchi)."""
    from .conftest import SEEDS

    def seed(name: str) -> str:
        return next(SEEDS.glob(f"{name}_*.txt")).read_text("utf-8").split("\n", 1)[1].strip()

    putin = seed("000")
    records = [
        {"id": "s1", "title": "Putin e Kim", "date": "2023-09-04", "publisher": "Uno",
         "text": putin},
        {"id": "s2", "title": "Putin e Kim, l'aggiornamento", "date": "2023-09-05",
         "publisher": "Due", "text": putin + " Aggiornamento delle ore 18: nessuna conferma."},
        {"id": "s3", "title": "Kirby", "date": "2023-09-04", "publisher": "Uno",
         "text": seed("002")},
        {"id": "s4", "title": "Altro", "date": "2023-09-06", "publisher": "Tre",
         "text": seed("004")},
        {"id": "s5", "title": "Due Bianchi", "date": "2023-09-07", "publisher": "Tre",
         "text": "Il ministro Marco Bianchi ha incontrato il sindaco Luca Bianchi a Roma. "
                 "Marco Bianchi ha detto: «È un accordo storico». Luca Bianchi ha risposto "
                 "che la città è pronta."},
    ]
    data = folder / "data"
    data.mkdir()
    (data / "stories.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    ix = Index(folder / "index", web_config())
    report = ix.update([data])
    assert report.added == len(records) and not report.failed, report.errors
    return ix


def start_server(index: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """A real ``searchidx serve`` on a free port; (process, its address)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "searchidx.cli", "serve", "--index", str(index),
         "--config", str(PEOPLE), "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + SERVER_START_S
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            found = re.search(r"at (http://\S+/)", line)
            if found:
                return process, found.group(1)
        if process.poll() is not None:
            break
    stop_server(process)
    raise AssertionError(f"searchidx serve did not start: {process.stderr.read()}")


def stop_server(process: subprocess.Popen[str]) -> str:
    """Stop it as Ctrl+C would; its standard error."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    return process.stderr.read() if process.stderr else ""
