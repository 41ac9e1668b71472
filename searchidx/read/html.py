"""Saved web pages, through trafilatura: the article without the page around it."""

from __future__ import annotations

from ..errors import ReadError
from ..models import DateValue, RawArticle
from .article import Meta, as_tags, clean_body, content_hash, set_date
from .decode import normalize
from .rules import Rules


def read_html(data: bytes | str, path: str, rel_id: str, rules: Rules, *, url: str | None = None,
              date: DateValue | None = None) -> RawArticle | ReadError:
    """A saved web page, through trafilatura: it tells the article from menus,
    footers, comments and scripts, decodes the page by its declared charset, and
    reads the title, date, site name, author and keywords from the page's markup.

    The date comes from the markup and the address only, never from a date
    that the text happens to mention; ``date`` is the one to use when neither
    gives one (a web archive's capture date). ``url`` is where the page was
    found, for pages that do not name their own address.
    """
    import trafilatura

    page = trafilatura.bare_extraction(
        data, url=url, with_metadata=True, include_comments=False,
        date_extraction_params={"original_date": True, "extensive_search": False})
    text = normalize(page.text or "", rules) if page is not None else ""
    if not text.strip():
        return ReadError(path, "no article text found in this web page")
    meta = Meta([])
    if page.title and page.title.strip():
        meta.title = normalize(page.title, rules)
        first, _, rest = text.strip().partition("\n")
        if " ".join(first.split()) == " ".join(meta.title.split()) and rest.strip():
            text = rest  # the page's headline, repeated at the top of its text
    set_date(meta, page.date, rules)
    meta.date = meta.date or date
    sitename = (page.sitename or "").strip()
    if sitename and sitename.lower() not in _hostnames(page.hostname, page.url):
        meta.publisher = normalize(sitename, rules)
    # else no name of its own: the extract stage names the publisher by the
    # address's domain, as for any article that gives only a URL
    meta.url = page.url or url
    keywords = [*(page.tags or []), *(page.categories or [])]
    meta.tags = as_tags(",".join(keywords).split(","), meta.warnings) if keywords else []
    if page.author:
        meta.extra["author"] = normalize(page.author, rules)
    body = clean_body(text, meta, rules, full=meta.title is None)
    source = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    return meta.article(rel_id, path, body, None, content_hash(rules, source), rules)


def _hostnames(*addresses: str | None) -> set[str]:
    """The host names of these addresses (or bare host names), with and without ``www.``."""
    from urllib.parse import urlsplit

    names: set[str] = set()
    for address in addresses:
        if not address:
            continue
        try:
            host = urlsplit(address).hostname if "//" in address else address
        except ValueError:
            continue
        if host:
            host = host.lower()
            names.update((host, host.removeprefix("www.")))
    return names

