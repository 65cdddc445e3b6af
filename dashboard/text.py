"""Untrusted text from records, made safe for where it is shown: Markdown, HTML tooltips, spreadsheet cells.

>>> print(escape_markdown("**bold** [x](y)"))
\\*\\*bold\\*\\* \\[x\\]\\(y\\)
>>> escape_html('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~=$:&])")


def escape_markdown(text: object) -> str:
    """Text shown literally in Streamlit Markdown: no emphasis, links, images, HTML, maths or line-start syntax."""
    if text is None:
        return ""
    flattened = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flattened)


def escape_html(text: object) -> str:
    """Text shown literally inside HTML (deck.gl tooltips, exported HTML)."""
    return "" if text is None else html.escape(str(text), quote=True)


def safe_url(url: object) -> str | None:
    """An http(s) address fit for a Markdown link target, or None (never javascript:, data:, …)."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._")


def markdown_link(label: object, url: object) -> str:
    """``[label](url)`` with the label escaped, or just the escaped label when the address is not http(s)."""
    target = safe_url(url)
    text = escape_markdown(label)
    return f"[{text}]({target.replace('(', '%28').replace(')', '%29')})" if target else text
