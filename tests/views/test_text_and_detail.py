"""Untrusted record text is escaped wherever it is shown; the detail card tells the whole record."""

from __future__ import annotations

import re

import pytest

from dashboard.geo.geodesy import distance_to_border
from dashboard.loading.loader import load_events
from dashboard.views import detail
from dashboard.views.text import escape_html, escape_markdown, markdown_link, safe_url
from tests_support import load_one


@pytest.mark.parametrize(
    "text",
    [
        "**bold**",
        "[x](https://evil.example)",
        "![img](https://tracker.example/p.png)",
        "<script>alert(1)</script>",
        "# heading",
        "$x^2$",
        "| table |",
        "`code`",
        ":red[colour]",
    ],
)
def test_markdown_escaping_leaves_no_live_syntax(text: str) -> None:
    escaped = escape_markdown(text)
    for character in "*[]()<>#$|`:!":
        assert character not in escaped.replace("\\" + character, "")


def test_html_escaping() -> None:
    assert escape_html('<img src=x onerror="a()">') == "&lt;img src=x onerror=&quot;a()&quot;&gt;"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://x", "//evil.example", None, 3])
def test_only_http_addresses_become_links(url: object) -> None:
    assert safe_url(url) is None
    assert "](" not in markdown_link("title", url)


def test_link_target_cannot_break_out_of_the_markdown_link() -> None:
    link = markdown_link("t", "https://example.org/a) [x](javascript:alert(1)")
    assert link.count("](") == 1 and ")" not in link[link.index("](") + 2 : -1]


@pytest.fixture(scope="module")
def karachev(curated):
    return curated.set_index("id", drop=False).loc["2024-10-09-karachev-depot-strike"]


def test_detail_card_shows_computed_distance_next_to_the_claim(karachev, registries) -> None:
    distance = detail.border_distance(karachev)
    text = detail.detail_markdown(karachev, registries, distance, "Russia–Ukraine border")
    assert "Distance to the Russia–Ukraine border: **117 km / 73 mi** (computed, geodesic)" in text
    assert "source claims **70 mi** (113 km" in text


def test_detail_card_lists_every_source_with_its_quote_and_link(karachev, registries) -> None:
    text = detail.detail_markdown(karachev, registries, None, "")
    for source in karachev["sources"]:
        assert escape_markdown(source.publisher) in text
        if source.url:
            assert f"]({source.url})" in text
        if source.quote:
            assert escape_markdown(source.quote) in text
    assert "claimed" in text and "day precision" in text and "Recently" in text


def test_detail_card_escapes_hostile_record_text(registries, tmp_path) -> None:
    event = load_one(
        tmp_path,
        registries,
        title="<img src=x onerror=alert(1)> **Hostile**",
        summary="[click](javascript:alert(1)) ![x](https://tracker.example/x.png)",
        sources=[{"publisher": "P", "title": "](javascript:x)", "url": "https://example.org/a", "quote": "<b>q</b>"}],
    )
    text = detail.detail_markdown(event, registries, distance_to_border(53.14, 34.95), "border")
    unescaped = re.compile(r"(?<!\\)[<\[!]")
    assert not unescaped.search(text.split("\n", 1)[0])  # the title
    assert "<img" not in text.replace("\\<img", "") and "<b>" not in text.replace("\\<b\\>", "")
    assert "](javascript" not in text and "![" not in text


def test_month_precision_is_written_as_the_month(registries) -> None:
    events = load_events(registries=registries).events.set_index("id", drop=False)
    event = events.loc["2024-summer-russian-personnel-fath-360-training-in-iran"]
    assert detail.format_dates(event).endswith("(month precision)")
