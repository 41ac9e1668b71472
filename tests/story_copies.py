"""Edited second versions of articles, for the stories tests and scripts/bench_stories.py
(one recipe, so the benchmark measures the copies the parity test checks)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any


def copy_of(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A second version of an article: a new title, a sentence in six rewritten, a
    passage added or its last sentences cut (as tests/test_stories.py's, harsher)."""
    sentences = re.split(r"(?<=[.!?])\s+", record["text"])
    for i in rng.sample(range(len(sentences)), max(1, len(sentences) // 6)):
        sentences[i] = "Secondo fonti vicine al dossier la vicenda resta tutta da chiarire."
    if rng.random() < 0.5:
        sentences.append("Aggiornamento: la notizia è stata ripresa da altre testate locali.")
    elif len(sentences) > 6:
        sentences = sentences[:-2]
    return {**record, "id": record["id"] + "-bis", "title": record["title"] + " (aggiornato)",
            "publisher": "Copie", "text": " ".join(sentences)}


def write(path: Path, records: list[dict[str, Any]]) -> None:
    """``records`` as a JSONL file."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
