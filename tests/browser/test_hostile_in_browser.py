"""Valid records whose every text field attacks the page, on a second server, in headless Chromium.

The text holds HTML and scripts, Markdown images and links, bare addresses, Streamlit icon and emoji
shortcodes, maths, a template, control characters, a right-to-left override and 5,000 characters. Every page
is opened (also with Markdown in the address), events are hovered and clicked on the map, the timeline and
the table, and the detail card is read. Nothing may run, nothing may be injected, no request may leave the
machine, and the card shows the record's text as written.

Each check collects what it finds with the element's HTML, so a failure says exactly what was injected where.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import yaml
from playwright.sync_api import Locator, Page, expect

from browser_support import (
    DECK_CANVAS,
    DECK_TOOLTIP,
    PLOTLY_HOVER_LABEL,
    centre,
    click_until_shown,
    hover_until_shown,
    settled_box,
    settled_canvas,
    wait_until_settled,
)
from dashboard.views.text import safe_url
from tests_support import record, write_yaml

SCRIPT = "</script><script>window.pwned=1</script>"
IMG = '<img src=x onerror="window.pwned=1">'
MARKDOWN_IMAGE = "![x](http://evil.example/t.png)"
MARKDOWN_LINK = "[click](http://evil.example)"
BARE_ADDRESSES = "http://evil.example/a www.evil.example"
SHORTCODES = ":material/warning: :smile:"
MATHS = "$x^2$"
TEMPLATE = "{{7*7}}"
CONTROL = "bell\x07 escape\x1b[31m backspace\x08 delete\x7f"
RIGHT_TO_LEFT = "\u202etxt.exe\u202c"
# Shown literally in the card (control characters aside): the proof that text stays text.
LITERAL = [SCRIPT, IMG, MARKDOWN_IMAGE, MARKDOWN_LINK, BARE_ADDRESSES, SHORTCODES, MATHS, TEMPLATE]
HOSTILE = [*LITERAL, CONTROL, RIGHT_TO_LEFT]
EVERYTHING = " ".join(HOSTILE)
LONG = " ".join([EVERYTHING] * (5_000 // len(EVERYTHING) + 1))[:5_000]
# A source address is linked on purpose in the detail card's Sources list: the one allowed evil.example link.
SOURCE_URL = "http://evil.example/source-article"
TITLE = "Conflict Event Dashboard"
PAGES = ["/", "/map", "/events", "/export", "/data_quality", "/playback", "/story", "/trends", "/network"]
HOSTILE_ADDRESS = urlencode(
    {
        "q": MARKDOWN_IMAGE,
        "ring": [f"{MARKDOWN_LINK}@place:{MARKDOWN_IMAGE}", "70mi@event:hostile-alpha"],
        "event": "hostile-alpha",
        "note": f"{SHORTCODES} {MARKDOWN_LINK}",  # not a parameter of the dashboard: named as ignored
    },
    doseq=True,
    quote_via=quote,
)


def hostile_records() -> list[dict]:
    """Three valid records: every field all the hostile text; every field 5,000 characters; one string each."""
    sources = [
        {"publisher": EVERYTHING, "title": EVERYTHING, "url": SOURCE_URL, "published": "2024-10-09", "quote": LONG},
        {"publisher": SCRIPT, "title": MARKDOWN_IMAGE, "url": "https://example.org/plain", "quote": SHORTCODES},
    ]
    return [
        record(
            id="hostile-alpha",
            title=f"Alpha {EVERYTHING}",
            summary=EVERYTHING,
            notes=EVERYTHING,
            tags=HOSTILE,
            date__phrase=EVERYTHING,
            location__place=EVERYTHING,
            confidence__by=EVERYTHING,
            sources=sources,
        ),
        record(
            id="hostile-bravo",
            title=f"Bravo {LONG}",
            summary=LONG,
            notes=LONG,
            tags=[LONG],
            type="strike",
            date__start="2024-08-06",
            date__phrase=LONG,
            location__place=LONG,
            location__lat=51.7,
            location__lon=36.2,
            confidence__by=LONG,
            sources=[{"publisher": LONG, "title": LONG, "url": "https://example.org/long", "quote": LONG}],
        ),
        record(
            id="hostile-charlie",
            title=f"Charlie {MARKDOWN_IMAGE}",
            summary=SCRIPT,
            notes=SHORTCODES,
            tags=[MATHS, TEMPLATE],
            date__start="2024-03-01",
            date__phrase=IMG,
            location__place=BARE_ADDRESSES,
            location__lat=52.2,
            location__lon=33.9,
            confidence__by=MARKDOWN_LINK,
            sources=[{"publisher": RIGHT_TO_LEFT, "title": CONTROL, "url": "https://example.org/c", "quote": MATHS}],
        ),
    ]


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_yaml(tmp_path_factory.mktemp("hostile") / "hostile.yaml", hostile_records())
    assert "\\e" in path.read_text(), "control characters are written as YAML escapes"
    assert len(yaml.safe_load(path.read_text())) == 3
    return path


@pytest.fixture
def app_url(start_server, hostile_data: Path) -> str:
    """The `app` page, on a second server that reads the hostile records (``$DASHBOARD_DATA``)."""
    return start_server(hostile_data)


# Everything a hostile string could have turned into, with the element's HTML and where it is.
EVIDENCE = r"""allowedSources => {
  const html = element => element.outerHTML.slice(0, 600);
  const where = element => {
    const ids = [];
    for (let node = element; node && ids.length < 4; node = node.parentElement) {
      const id = node.getAttribute && node.getAttribute('data-testid');
      if (id && ids[ids.length - 1] !== id) ids.push(id);
    }
    return ids.reverse().join(' > ');
  };
  const address = element => ['src', 'href', 'xlink:href'].map(name => element.getAttribute(name) || '').join(' ');
  const inSourcesList = link => {
    const list = link.closest('li') && link.closest('li').parentElement;
    const heading = list && list.previousElementSibling;
    return Boolean(heading && heading.textContent.trim().startsWith('Sources ('));
  };
  const described = elements => [...new Set(elements)].map(element => `${where(element)}: ${html(element)}`);
  const found = (selector, keep = () => true) => described([...document.querySelectorAll(selector)].filter(keep));
  const textNodes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) textNodes.push(walker.currentNode);
  const holding = keep => described(textNodes.filter(keep).map(node => node.parentElement));
  const escapesShown = /\\[\[\]()<>!$:*_`#]/;
  // what the app's own Markdown makes (headings with their anchor icon, lists, quotes, code, emphasis, links)
  const MARKDOWN_TAGS = 'p div span strong em code pre a h1 h2 h3 h4 h5 h6 ol ul li blockquote br hr svg path line'
    .split(' ');
  return {
    'window.pwned is set': typeof window.pwned === 'undefined' ? [] : [String(window.pwned)],
    'an injected script': found('script', script => script.textContent.includes('pwned')),
    'an element with an event handler': found('[onerror], [onload], [onclick], [onmouseover]'),
    'an injected image': found('img, image, svg image', image => /evil\.example|(^| )x( |$)/.test(address(image))),
    'a link to evil.example outside the Sources list': found('a', link => {
      const target = link.getAttribute('href') || link.getAttribute('xlink:href') || '';
      return target.includes('evil.example') && !(inSourcesList(link) && allowedSources.includes(target));
    }),
    'a material icon from data text': found(
      "[data-testid='stMarkdownContainer'] span[role='img'], [data-testid='stMarkdownContainer'] " +
      "[data-testid='stIconMaterial'], [data-testid='stAlert'] [data-testid='stIconMaterial']"
    ),
    'an emoji from a shortcode': holding(node => node.textContent.includes('\u{1F604}')),
    'maths rendered': found('.katex, math'),
    'an element made from markup in data': found(
      "[data-testid='stMarkdownContainer'] *", element => !MARKDOWN_TAGS.includes(element.tagName.toLowerCase())
    ),
    'Markdown escapes shown as text': holding(
      node => escapesShown.test(node.textContent) && !node.parentElement.closest('script, style')
    ),
  };
}"""


def allowed_source_links() -> list[str]:
    return [safe_url(SOURCE_URL)]


def findings(app: Page) -> list[str]:
    """Every defect on the page now: what ran, what was injected, what left the machine."""
    problems = [
        f"{kind}: {item}" for kind, items in app.evaluate(EVIDENCE, allowed_source_links()).items() for item in items
    ]
    if app.title() != TITLE:
        problems.append(f"the title changed: {app.title()!r}")
    problems += [f"a dialog opened: {dialog}" for dialog in app.dialogs]
    problems += [f"a request left the machine: {url}" for url in app.outside_requests]
    problems += [
        f"the app failed: {error.inner_text()[:300]}" for error in app.locator("[data-testid='stException']").all()
    ]
    return problems


def detail_card(app: Page, click_at: tuple[float, float] | None = None) -> Locator:
    """The card's Markdown once drawn, after clicking ``click_at`` (until the card shows) if given."""
    card = app.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer']").filter(has_text="Sources (")
    if click_at is None:
        expect(card.first).to_be_visible()
    else:
        click_until_shown(app, click_at, card)
    wait_until_settled(app)
    return card.first


def card_findings(card: Locator, title: str) -> list[str]:
    """The card shows the record's text as written (and its title), not something made of it."""
    shown = card.inner_text().replace("\u2060", "")  # word joiners are invisible
    flattened = " ".join(shown.split())
    problems = [f"the card lacks {text!r} as written" for text in LITERAL if text not in flattened]
    if not flattened.startswith(title):
        problems.append(f"the card starts {flattened[:80]!r}, not with the title {title!r}")
    return problems


def assert_clean(problems: list[str]) -> None:
    assert not problems, "\n" + "\n".join(dict.fromkeys(problems))  # each once, in the order found


@pytest.mark.parametrize("address", ["", f"?{HOSTILE_ADDRESS}"], ids=["plain", "hostile-address"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_shows_hostile_text_as_text(app: Page, path: str, address: str) -> None:
    app.goto(app.base_url + path + address)
    expect(app.locator("h1").first).to_be_visible()
    wait_until_settled(app)
    if path == "/map":
        settled_canvas(app.locator(DECK_CANVAS).first, lambda image: True, "the map")
    elif path == "/":
        settled_box(app.locator("[data-testid='stPlotlyChart'] .scatterlayer path.point").first)
    problems = findings(app)
    if address and path in ("/", "/map", "/events"):
        problems += card_findings(detail_card(app), f"Alpha {SCRIPT}")
    assert_clean(problems)


def test_hovering_and_clicking_a_hostile_event_on_the_map(app: Page) -> None:
    app.goto(app.base_url + "/map?q=alpha&band=false")
    wait_until_settled(app)
    settled_canvas(app.locator(DECK_CANVAS).first, lambda image: True, "the map")
    point = centre(app.locator(DECK_CANVAS).first.bounding_box())  # the only event, at the centre
    tooltip = hover_until_shown(app, point, app.locator(DECK_TOOLTIP).filter(has_text="Alpha"))
    markup = tooltip.evaluate(
        "tip => [...tip.querySelectorAll('*')].filter(e => e.tagName !== 'BR').map(e => e.outerHTML)"
    )
    problems = [f"markup in the map tooltip: {element}" for element in markup]
    problems += [
        f"the tooltip lacks {text!r}" for text in (SCRIPT, IMG, MARKDOWN_IMAGE) if text not in tooltip.inner_text()
    ]
    problems += findings(app)
    problems += card_findings(detail_card(app, click_at=point), f"Alpha {SCRIPT}")
    problems += findings(app)
    try:  # the address follows the card: Streamlit rewrites it after the rerun
        expect(app).to_have_url(re.compile("event=hostile-alpha"), timeout=30_000)
    except AssertionError:
        problems.append(f"the address does not select the event: {app.url}")
    assert_clean(problems)


def test_hovering_and_clicking_a_hostile_event_on_the_timeline(app: Page) -> None:
    app.goto(app.base_url + "/?q=charlie")
    wait_until_settled(app)
    point = centre(settled_box(app.locator("[data-testid='stPlotlyChart'] .scatterlayer path.point").first))
    label = hover_until_shown(app, point, app.locator(PLOTLY_HOVER_LABEL).filter(has_text="Charlie"))
    shown = label.text_content()  # an SVG text, not an HTML element
    problems = [f"the hover label lacks {text!r}" for text in (MARKDOWN_IMAGE, IMG) if text not in shown]
    problems += findings(app)
    card = detail_card(app, click_at=point)
    shown = " ".join(card.inner_text().replace("\u2060", "").split())
    problems += [f"the card lacks {text!r} as written" for text in (MARKDOWN_IMAGE, SCRIPT, IMG) if text not in shown]
    problems += findings(app)
    try:  # the address follows the card: Streamlit rewrites it after the rerun
        expect(app).to_have_url(re.compile("event=hostile-charlie"), timeout=30_000)
    except AssertionError:
        problems.append(f"the address does not select the event: {app.url}")
    assert_clean(problems)


def test_clicking_a_hostile_event_in_the_table(app: Page) -> None:
    app.goto(app.base_url + "/events?q=bravo")
    wait_until_settled(app)
    grid = app.locator("[data-testid='stDataFrame']")
    settled_canvas(grid.locator("canvas").first, lambda image: True, "the table")
    box = settled_box(grid)
    # One click only: a second click on the row's box would clear the selection again.
    app.mouse.click(box["x"] + 16, box["y"] + 35 + 18)  # the first row's selection box, under the header
    card = detail_card(app)
    shown = " ".join(card.inner_text().replace("\u2060", "").split())
    problems = [] if shown.startswith("Bravo " + SCRIPT) else [f"the card starts {shown[:80]!r}"]
    problems += findings(app)
    if "event=hostile-bravo" not in app.url:
        problems.append(f"the address does not select the event: {app.url}")
    assert_clean(problems)
