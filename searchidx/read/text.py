"""Plain text (``.txt``, ``.md``): header, title line, dateline, credits, boilerplate."""

from __future__ import annotations

from ..config import Config
from ..models import RawArticle
from .article import content_hash, text_article
from .rules import rules_for


def read_text(text: str, *, doc_id: str, path: str, config: Config) -> RawArticle:
    """A plain-text article: header, title line, dateline, credits and boilerplate
    recognised; never raises, whatever the text."""
    rules = rules_for(config)
    return text_article(text, doc_id, path, rules,
                        content_hash(rules, text.encode("utf-8", "surrogatepass")), [])
