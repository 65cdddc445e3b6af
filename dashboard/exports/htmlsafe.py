"""Standalone HTML files that stay safe whatever the records say: JSON embedded in scripts is escaped, and a
Content-Security-Policy lets only the page's own inline scripts run (by their SHA-256) and no request leave.

Both HTML writers (`dashboard.exports.images.chart_html` and `map_html`) build their pages here.

>>> script_json('{"title": "</script><b>&\\u2028"}')
'{"title": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence

from dashboard.views.text import escape_html, xml_safe_text

# Inside a JSON text these characters only occur in strings, where \uXXXX means the same; escaped, the text can
# neither close its <script> (</script>), open an HTML comment (<!--) nor end a JavaScript line (U+2028/9).
_SCRIPT_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
# What would end a script element early, or switch the parser into its "escaped" states.
_SCRIPT_BREAKERS = re.compile(r"</script|<!--", re.IGNORECASE)


def script_json(json_text: str) -> str:
    """A JSON text made safe to place inside an HTML ``<script>`` as a JavaScript expression."""
    return _SCRIPT_JSON_UNSAFE.sub(lambda match: _SCRIPT_JSON_ESCAPES[match.group()], json_text)


def normalise_script(script: str) -> str:
    """A script's text as the browser sees it (CR LF and CR become LF, NUL becomes U+FFFD): what its hash is of.

    Raises `ValueError` for text that would end the script element early.
    """
    if _SCRIPT_BREAKERS.search(script):
        raise ValueError("an inline script holds '</script' or '<!--': escape it (see script_json)")
    return script.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")


def script_hash(script: str) -> str:
    """The CSP source for one inline script: ``'sha256-BASE64'`` of its UTF-8 text."""
    digest = hashlib.sha256(normalise_script(script).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(scripts: Sequence[str]) -> str:
    """A policy that lets no request leave and runs only ``scripts`` (by hash): an injected script never runs.

    Checked in Chromium: plotly.js and deck.gl draw, hover, zoom and download PNGs with it. Neither needs
    'unsafe-eval' nor workers (deck.gl's only eval, a WebAssembly probe for 64-bit maths, is refused and falls
    back to JavaScript). Inline styles are allowed because both libraries set styles from script and our own
    markup uses style attributes; styles run no code. Images are allowed from data: and blob: only, which
    plotly's "download as PNG" draws through.
    """
    hashes = " ".join(script_hash(script) for script in scripts)
    directives = [
        "default-src 'none'",
        f"script-src {hashes}",
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "font-src data:",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    return "; ".join(directives)


def standalone_page(
    title: str,
    body: str,
    scripts: Sequence[str],
    *,
    style: str = "",
) -> bytes:
    """A whole HTML document as UTF-8: ``body`` (HTML the caller escaped), then ``scripts`` inline, in order.

    ``title`` is plain text. The Content-Security-Policy comes first in ``<head>``, before any script, and
    names each script's hash; embed data in a script only through `script_json`.
    """
    scripts = [normalise_script(script) for script in scripts]
    policy = content_security_policy(scripts)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n',
        '<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{escape_html(policy)}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape_html(xml_safe_text(title))}</title>\n",
        f"<style>{style}</style>\n" if style else "",
        "</head>\n<body>\n",
        body,
        "\n",
        *(f"<script>{script}</script>\n" for script in scripts),
        "</body>\n</html>\n",
    ]
    return "".join(parts).encode("utf-8")
