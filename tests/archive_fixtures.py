"""Archives written at test time: a WARC built with warcio itself, from the HTML fixtures."""

from __future__ import annotations

import io
from pathlib import Path

READ = Path(__file__).resolve().parent / "fixtures" / "read"
ARCHIVES = Path(__file__).resolve().parent / "fixtures" / "archives"

KIM_URL = "https://www.cronachedalmondo.example/esteri/2023/09/12/kim-russia"
VERTICE_URL = "https://www.notiziedalpacifico.example/mondo/vertice-vostochny"
IMAGE_URL = "https://www.cronachedalmondo.example/img/kim.png"
MISSING_URL = "https://www.cronachedalmondo.example/pagina-che-non-esiste"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
EARLIER_KIM = ("<html><head><title>Kim in viaggio verso la Russia</title></head><body><article>"
               "<p>Il treno blindato del leader nordcoreano è partito da Pyongyang diretto in "
               "Russia, dove è atteso un incontro con Vladimir Putin nei prossimi giorni.</p>"
               "</article></body></html>").encode()


def write_warc(path: Path, *, gzip: bool = True) -> Path:
    """A small web archive: a request and the response for the Kim page; the
    Vostochny page (no date in its markup); an *earlier* capture of the Kim page
    written after the later one; a revisit; an image; a 404 page."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))

        def response(url: str, when: str, body: bytes, content_type: str = "text/html",
                     status: str = "200 OK") -> None:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": when})
            writer.write_record(record)

        request = writer.create_warc_record(
            KIM_URL, "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(f"GET {KIM_URL} HTTP/1.1", [], is_http_request=True),
            warc_headers_dict={"WARC-Date": "2023-09-12T20:00:00Z"})
        writer.write_record(request)
        response(KIM_URL, "2023-09-12T20:00:00Z", (READ / "pagina.html").read_bytes(),
                 "text/html; charset=utf-8")
        response(VERTICE_URL, "2023-09-14T08:00:00Z", (ARCHIVES / "vertice.html").read_bytes())
        response(KIM_URL, "2023-09-11T07:00:00Z", EARLIER_KIM)
        revisit = writer.create_revisit_record(
            VERTICE_URL, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri=VERTICE_URL, refers_to_date="2023-09-14T08:00:00Z")
        revisit.rec_headers.replace_header("WARC-Date", "2023-09-20T08:00:00Z")
        writer.write_record(revisit)
        response(IMAGE_URL, "2023-09-12T20:00:01Z", PNG, "image/png")
        response(MISSING_URL, "2023-09-12T20:00:02Z", b"<html><body>Non trovata</body></html>",
                 status="404 Not Found")
    return path
