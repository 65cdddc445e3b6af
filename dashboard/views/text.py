r"""Untrusted text from records or addresses, made safe for where it is shown: Markdown, HTML, terminals.

>>> print(escape_markdown("**bold** [x](y)"))
\*\*bold\*\* \[x\]\(y\)
>>> escape_html('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> print(terminal_safe("id\n99 read, 99 loaded, 0 rejected\x1b[2K"))
id\n99 read, 99 loaded, 0 rejected\x1b[2K
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~=$:&])")
# Streamlit's Markdown turns ":name:" into emoji, icons and logos, and GFM turns bare "http://...", "www.x"
# and "a@b.c" into links, even when every character is backslash-escaped. A word joiner (U+2060: invisible,
# no line break) after a ":" or "@" that touches the next character, and inside "www.", keeps them plain text.
WORD_JOINER = "\u2060"
_AUTO_MARKUP = re.compile(r"([:@](?=\S)|(?i:www)(?=\\?\.))")
# Control characters, and format characters that reorder or hide text (bidi overrides, zero-width marks).
_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def escape_markdown(text: object) -> str:
    """Text shown literally in Streamlit Markdown: no emphasis, links, images, HTML, maths, icons, emoji or
    line-start syntax."""
    if text is None:
        return ""
    flattened = " ".join(str(text).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flattened)
    return _AUTO_MARKUP.sub(lambda match: match.group(1) + WORD_JOINER, escaped)


def code_span(text: object) -> str:
    """Text shown literally as code in Streamlit Markdown (a command to copy, where ``--`` would otherwise turn
    into a dash): on one line, fenced by more backticks than it holds in a row."""
    flattened = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flattened)), default=0) + 1)
    return f"{fence} {flattened} {fence}"


def terminal_safe(text: object) -> str:
    """One line fit for a terminal or a log: control and format characters written as escapes (``\\n``,
    ``\\x1b``, ``\\u202e``), so data can neither add lines nor move the cursor nor reorder what is shown."""
    return _TERMINAL_UNSAFE.sub(_escape_character, str(text))


def _escape_character(match: re.Match[str]) -> str:
    character = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if character in named:
        return named[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_html(text: object) -> str:
    """Text shown literally inside HTML (deck.gl tooltips, exported HTML)."""
    return "" if text is None else html.escape(str(text), quote=True)


def escape_plotly(text: object) -> str:
    """Text shown literally in Plotly's hover and label text, which takes a little HTML (``<b>``, ``<br>``,
    ``<a>``) and decodes only ``&lt;``, ``&gt;`` and ``&amp;``: a quote stays a quote, not ``&quot;``. Plotly
    draws text into SVG, so characters XML forbids become U+FFFD (a control character in a place name would
    otherwise stop an image export)."""
    return "" if text is None else html.escape(xml_safe_text(text), quote=False)


def escape_html_block(text: object) -> str:
    """Text shown literally inside an HTML block of Streamlit Markdown (``unsafe_allow_html``): escaped HTML,
    with ":" as an entity, since Streamlit rewrites ":material/" in the source before parsing it."""
    return escape_html(text).replace(":", "&#58;")


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


# Characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates). lxml, and so
# python-pptx, raise on them; a KML or PPTX file holding one is not well-formed.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT_CHARACTER = "\ufffd"


def xml_safe_text(text: object) -> str:
    """Record text fit for every file writer (XML, KML, PPTX, PDF, HTML): each character XML 1.0 forbids
    becomes U+FFFD, so bad input shows as "�" instead of breaking the file or the writer.

    >>> xml_safe_text("a\\x00b\\x1bc\\td")
    'a�b�c\\td'
    >>> xml_safe_text("\\ud83d\\ude00 \\ud800")
    '😀 �'
    """
    if text is None:
        return ""
    value = str(text)
    if _SURROGATE.search(value):  # a surrogate pair (as YAML's "\\ud83d\\ude00" gives) is one character
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _NOT_XML_CHAR.sub(REPLACEMENT_CHARACTER, value)
