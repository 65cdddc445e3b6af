"""Exports are safe whatever the records say, and never destroy a file: HTML runs only its own scripts and
holds record text only escaped, KML and the briefing pack hold only characters XML allows, and ``export``
writes atomically, never over a file without --force, never into the data it reads, never through a link.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import stat
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from dashboard.cli import main
from dashboard.exports import briefing, datafiles, htmlsafe, images, outfiles
from dashboard.loading.loader import load_events
from dashboard.sources.datapaths import BUNDLED_DATA_DIR, BUNDLED_EVENTS_DIR
from dashboard.views.text import REPLACEMENT_CHARACTER, xml_safe_text
from tests_support import load_frame, record, write_yaml

CONTEXT = datafiles.ExportContext("All 2 events", "cases", datetime(2026, 11, 25, 9, 40, tzinfo=UTC))
SCRIPT_PAYLOAD = "</script><script>document.title='pwned';window.pwned=1</script>"
IMG_PAYLOAD = "<img src=x onerror=\"window.pwned=1;alert('pwned')\">"
HOSTILE = f"{SCRIPT_PAYLOAD}{IMG_PAYLOAD} \u2028\u2029 &amp; <!--<script>"
# Every character XML 1.0 forbids: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates.
FORBIDDEN = [chr(code) for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)] + ["\ufffe", "\uffff"]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
BIDI = "\u202eevil\u202c \u2066isolated\u2069 \u200f"
EMOJI = "💥🚀🇺🇦👩‍👩‍👧"


def hostile_records(text: str = HOSTILE) -> list[dict]:
    """Two valid records with ``text`` in every free-text field."""

    def fields() -> dict:
        source = {"publisher": f"AP {text}", "title": f"Source {text}", "url": "https://example.org/x", "quote": text}
        return {
            "title": f"Title {text}",
            "summary": f"Summary {text}",
            "notes": f"Notes {text}",
            "location__place": f"Place {text}",
            "confidence__by": f"Claimant {text}",
            "tags": [f"tag {text}"],
            "sources": [source],
        }

    return [
        record(id="2024-10-09-hostile-a", **fields()),
        record(id="2024-09-01-hostile-b", date__start="2024-09-01", **fields()),
    ]


@pytest.fixture(scope="module")
def hostile_frame(registries, tmp_path_factory) -> pd.DataFrame:
    path = write_yaml(tmp_path_factory.mktemp("hostile") / "hostile.yaml", hostile_records())
    result = load_events([path], registries)
    assert result.loaded == 2, [str(problem) for problem in result.problems]
    return result.events


# --- HTML -----------------------------------------------------------------------------------------------


class PageParts(HTMLParser):
    """What a browser's parser finds in a page: the tags outside scripts, the inline scripts, the CSP metas."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self.policies: list[str] = []
        self.policy_before_scripts = False
        self._script: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            self._script = []
        elif tag == "meta" and values.get("http-equiv", "").lower() == "content-security-policy":
            self.policies.append(values.get("content", ""))
            self.policy_before_scripts = not self.scripts and self._script is None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.fixture(scope="module")
def html_pages(registries, tmp_path_factory) -> dict[str, str]:
    """The map, timeline and counts HTML of the hostile records, as the command line writes them."""
    folder = tmp_path_factory.mktemp("html")
    data = write_yaml(folder / "hostile.yaml", hostile_records())
    pages = {}
    for chart in ("map", "timeline", "counts"):
        out = folder / f"{chart}.html"
        assert main(["export", "--data", str(data), "--format", "html", "--chart", chart, "--out", str(out)]) == 0
        pages[chart] = out.read_text(encoding="utf-8")
    return pages


def test_script_json_escapes_what_could_end_a_script_and_means_the_same() -> None:
    text = json.dumps({"a": HOSTILE, "b": ["<", ">", "&", "\u2028", "\u2029"]}, ensure_ascii=False)
    safe = htmlsafe.script_json(text)
    assert not re.search("[<>&\u2028\u2029]", safe)
    assert "\\u003c/script\\u003e" in safe and "\\u0026amp;" in safe
    assert json.loads(safe) == json.loads(text)


def test_a_script_that_would_end_early_is_refused() -> None:
    for script in ("var a = '</script>';", "var a = '<!--';", "x = '</SCRIPT '"):
        with pytest.raises(ValueError, match="escape it"):
            htmlsafe.standalone_page("t", "", [script])


def test_script_hashes_are_of_the_text_as_the_browser_parses_it() -> None:
    assert htmlsafe.script_hash("a\r\nb\rc") == htmlsafe.script_hash("a\nb\nc")
    expected = base64.b64encode(hashlib.sha256("é\n".encode()).digest()).decode()
    assert htmlsafe.script_hash("é\r\n") == f"'sha256-{expected}'"


@pytest.mark.parametrize("chart", ["map", "timeline", "counts"])
def test_html_export_holds_record_text_only_escaped(html_pages: dict[str, str], chart: str) -> None:
    page = html_pages[chart]
    parts = PageParts(page)
    assert "img" not in parts.tags and parts.tags.count("script") == len(parts.scripts) == 2
    assert len(re.findall(r"</script", page, re.I)) == len(parts.scripts)  # only the page's own scripts end
    ours = page.replace(parts.scripts[0], "")  # all but the library (deck.gl or plotly.js)
    for raw in (SCRIPT_PAYLOAD, IMG_PAYLOAD, "<img", "\u2028", "\u2029", "<!--"):
        assert raw not in ours
    if chart != "counts":  # the counts chart shows no record text
        assert "img src=x onerror=" in parts.scripts[-1]  # the record text is there, as escaped JSON


@pytest.mark.parametrize("chart", ["map", "timeline", "counts"])
def test_html_export_policy_runs_only_its_own_scripts_and_loads_nothing(html_pages: dict[str, str], chart: str) -> None:
    parts = PageParts(html_pages[chart])
    assert len(parts.policies) == 1 and parts.policy_before_scripts
    policy = directives(parts.policies[0])
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in parts.scripts}
    assert set(policy["script-src"]) == hashes  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert policy["default-src"] == ["'none'"] and policy["connect-src"] == ["'none'"]
    assert policy["img-src"] == ["data:", "blob:"] and policy["font-src"] == ["data:"]
    assert policy["style-src"] == ["'unsafe-inline'"] and policy["base-uri"] == ["'none'"]
    assert "worker-src" not in policy  # neither deck.gl nor plotly.js start workers here


def test_html_export_never_offers_an_upload_to_plotly_cloud(html_pages: dict[str, str]) -> None:
    assert '"showSendToCloud": false' in PageParts(html_pages["timeline"]).scripts[-1]


# --- KML ------------------------------------------------------------------------------------------------


def with_text(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """``frame`` with ``text`` in every text column, the ids and the sources (set directly: the loader may
    refuse some characters, the writer must take them all)."""
    changed = frame.copy()

    def column(values: list) -> pd.Series:  # object: pandas' own string type cannot hold a lone surrogate
        return pd.Series(values, index=changed.index, dtype=object)

    for name in ("title", "summary", "place", "claimed_by"):
        changed[name] = column([f"{name} {text} {value}" for value in changed[name]])
    changed["id"] = column([f"{value}{text}" for value in changed["id"]])
    changed["sources"] = column(
        [
            tuple(item._replace(title=f"{item.title}{text}", quote=text) for item in items)
            for items in changed["sources"]
        ]
    )
    return changed


@pytest.mark.parametrize("character", FORBIDDEN + LONE_SURROGATES, ids=lambda c: f"U+{ord(c):04X}")
def test_kml_is_well_formed_whatever_the_text(registries, tmp_path: Path, character: str) -> None:
    frame = with_text(load_frame(tmp_path, registries), f"a{character}b")
    data = datafiles.data_export("kml", frame, registries, CONTEXT)
    data.decode("utf-8")  # strict: no lone surrogate either
    root = ET.fromstring(data)
    etree.fromstring(data, etree.XMLParser(recover=False))
    placemark = root.find(f".//{{{datafiles.KML_NS}}}Placemark")
    assert placemark.get("id").endswith(f"a{REPLACEMENT_CHARACTER}b")
    assert f"a{REPLACEMENT_CHARACTER}b" in placemark.find(f"{{{datafiles.KML_NS}}}name").text


def test_kml_keeps_the_characters_xml_allows(registries, tmp_path: Path) -> None:
    frame = with_text(load_frame(tmp_path, registries), f"tab\there {EMOJI} {BIDI} \u0085\u00a0")
    root = ET.fromstring(datafiles.data_export("kml", frame, registries, CONTEXT))
    name = root.find(f".//{{{datafiles.KML_NS}}}Placemark/{{{datafiles.KML_NS}}}name").text
    assert f"tab\there {EMOJI} {BIDI} \u0085\u00a0" in name


def test_kml_description_is_escaped_html(registries, hostile_frame: pd.DataFrame) -> None:
    frame = with_text(hostile_frame, "line one\nline two")
    root = ET.fromstring(datafiles.data_export("kml", frame, registries, CONTEXT))
    description = root.find(f".//{{{datafiles.KML_NS}}}Placemark/{{{datafiles.KML_NS}}}description").text
    # After one XML parse the text is HTML: record markup is escaped, our line breaks are <br>.
    assert "&lt;img src=x onerror=" in description and "&lt;/script&gt;" in description
    assert "<img" not in description and "<script" not in description
    assert "line one<br>\nline two" in description and "Sources:" in description
    document = root.find(f"{{{datafiles.KML_NS}}}Document/{{{datafiles.KML_NS}}}description").text
    assert "All 2 events<br>" in document


def test_xml_safe_text_replaces_only_what_xml_forbids() -> None:
    assert xml_safe_text("".join(FORBIDDEN)) == REPLACEMENT_CHARACTER * len(FORBIDDEN)
    assert xml_safe_text("x\ud800y\udfffz") == f"x{REPLACEMENT_CHARACTER}y{REPLACEMENT_CHARACTER}z"
    assert xml_safe_text("\ud83d\udca5") == "💥"  # a surrogate pair is one character
    kept = f"tab\tLF\nCR\r {EMOJI} {BIDI} \u0085 \ud7ff \ue000 \ufffd"
    assert xml_safe_text(kept) == kept and xml_safe_text(None) == ""


# --- Briefing pack ----------------------------------------------------------------------------------------


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format="PNG")
    return out.getvalue()


def hostile_text(label: str) -> str:
    return f"{label} {''.join(FORBIDDEN)}{''.join(LONE_SURROGATES)} {BIDI} {EMOJI} {IMG_PAYLOAD}"


def test_briefing_writers_take_any_text() -> None:
    """PPTX and PDF from a pack whose every text is hostile: control characters (lxml refuses them), lone
    surrogates, bidi overrides, emoji and 10,000 characters."""
    long = "x" * 10_000
    context = datafiles.ExportContext(
        hostile_text("caption") + long, hostile_text("source"), handling=hostile_text("H")
    )
    pack = briefing.Briefing(
        title=hostile_text("Title") + long,
        context=context,
        as_of=hostile_text("as of"),
        count=2,
        timeline_png=_png(),
        maps=[(hostile_text("Map") + long, _png()), (hostile_text("Map: around") + long, _png())],
        key_events=pd.DataFrame(
            {
                name: [hostile_text(name) + long] * 12
                for name in ("Date", "Title", "Place", "Actors", "Confidence", "Sources", "Summary")
            },
            dtype=object,  # pandas' own string type cannot even hold a lone surrogate
        ),
        more_events=0,
        sources=[hostile_text("source") + long] * 3,
        explanations=[(hostile_text("heading"), [(hostile_text("term"), hostile_text("meaning"))])],
        judgements=[hostile_text("judgement") + long] * 9,
        behind=hostile_text("behind") + long,
    )
    presentation = Presentation(io.BytesIO(briefing.briefing_pptx(pack)))
    first = [shape.text_frame.text for shape in presentation.slides[0].shapes if shape.has_text_frame]
    assert any(text.startswith(f"Title {REPLACEMENT_CHARACTER}") and EMOJI in text for text in first)
    pdf = PdfReader(io.BytesIO(briefing.briefing_pdf(pack)))
    assert len(pdf.pages) == len(presentation.slides)
    assert "Title" in pdf.pages[0].extract_text()


def browser_or_skip() -> None:
    if images.find_browser() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chrome/Chromium for kaleido: CI must run the image exports")
        pytest.skip("no Chrome/Chromium: image exports skipped")


@pytest.mark.parametrize("fmt", ["pptx", "pdf"])
def test_briefing_pack_from_hostile_records(tmp_path: Path, fmt: str, capsys) -> None:
    browser_or_skip()
    text = f"{''.join(FORBIDDEN)} {BIDI} {EMOJI} {IMG_PAYLOAD}"
    records = [
        *hostile_records(text),
        record(id="2024-10-08-long-title", date__start="2024-10-08", title="Long " + "x" * 10_000),
    ]
    data = write_yaml(tmp_path / "hostile.yaml", records)
    out = tmp_path / f"pack.{fmt}"
    status = main(["export", "--data", str(data), "--format", fmt, "--out", str(out), "--title", f"T {text}"])
    assert status == 0, capsys.readouterr().err
    if fmt == "pptx":
        slides = Presentation(str(out)).slides
        cells = [
            cell.text
            for slide in slides
            for shape in slide.shapes
            if shape.has_table
            for cell in shape.table.iter_cells()
        ]
        titles = [cell for cell in cells if cell.startswith(("Title", "Long"))]
        assert any(REPLACEMENT_CHARACTER in cell and EMOJI in cell for cell in titles)
        assert all(len(cell) <= briefing.CELL_CHARS for cell in titles)
    else:
        pages = PdfReader(str(out)).pages
        assert len(pages) >= 6 and "Key events" in "".join(page.extract_text() for page in pages)


# --- Writing files: never over a file without --force, never into the data, never through a link ------------


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the bundled records to read."""
    return Path(shutil.copytree(BUNDLED_EVENTS_DIR, tmp_path / "cases"))


def export(data: Path, *options: str) -> int:
    return main(["export", "--format", "csv", "--data", str(data), *options])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_existing_file_is_refused_without_force_and_left_untouched(data: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "existing.csv"
    out.write_bytes(b"curated by hand")
    assert export(data, "--out", str(out)) == 2
    assert out.read_bytes() == b"curated by hand"
    error = capsys.readouterr().err
    assert str(out) in error and "--force" in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cases", "existing.csv"]


def test_a_csv_export_writes_its_description_beside_it_and_never_over_one(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.csv"
    (tmp_path / "events.csv.json").write_bytes(b"an analyst's notes")
    assert export(data, "--out", str(out)) == 2  # refused before anything is written
    assert not out.exists() and (tmp_path / "events.csv.json").read_bytes() == b"an analyst's notes"
    assert export(data, "--out", str(out), "--force") == 0
    about = json.loads((tmp_path / "events.csv.json").read_text(encoding="utf-8"))
    assert about["file"] == "events.csv" and about["events"] == 20 and "20 events" in about["caption"]
    assert pd.read_csv(out)["id"].nunique() == 20


def test_force_replaces_an_existing_file(data: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "existing.csv"
    out.write_bytes(b"old")
    assert export(data, "--out", str(out), "--force") == 0
    assert out.read_bytes().startswith("\ufeffid,title,".encode())
    assert f"wrote {out}" in capsys.readouterr().out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cases", "existing.csv", "existing.csv.json"]


@pytest.mark.parametrize(
    "target",
    [
        "{data}/arms_transfers.yaml",  # a curated data file
        "{data}/new.csv",  # a new file in the data folder
        "{data}",  # the data folder itself: the export would go inside
        "{data}/",
        "{data}/sub/",  # a new folder inside the data folder
        "{data}/../cases/x.csv",
        "{bundled}/x.csv",  # the bundled data counts as data
        "{bundled}/registries/actors.yaml",
    ],
)
def test_out_into_the_data_is_refused_even_with_force(data: Path, tmp_path: Path, target: str, capsys) -> None:
    before, bundled_before = snapshot(data), snapshot(BUNDLED_DATA_DIR)
    out = target.format(data=data, bundled=BUNDLED_DATA_DIR)
    assert export(data, "--out", out, "--force") == 2
    error = capsys.readouterr().err
    assert "data folder" in error and "being read" in error and "Traceback" not in error
    assert snapshot(data) == before and snapshot(BUNDLED_DATA_DIR) == bundled_before
    assert not (data / "sub").exists()


def test_out_over_a_data_file_named_directly_is_refused(data: Path, tmp_path: Path, capsys) -> None:
    curated = data / "arms_transfers.yaml"
    before = curated.read_bytes()
    link = tmp_path / "link.yaml"
    link.symlink_to(curated)
    assert main(["export", "--format", "csv", "--data", str(curated), "--out", str(curated), "--force"]) == 2
    assert f"{curated} is the data file" in capsys.readouterr().err
    assert main(["export", "--format", "csv", "--data", str(curated), "--out", str(link), "--force"]) == 2
    assert curated.read_bytes() == before and link.is_symlink()


def test_out_into_a_folder_linked_from_the_data_folder_is_refused(data: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(data / "arms_transfers.yaml", elsewhere / "arms_transfers.yaml")
    (data / "linked").symlink_to(elsewhere)
    assert export(data, "--out", str(elsewhere / "x.csv"), "--force") == 2
    assert sorted(path.name for path in elsewhere.iterdir()) == ["arms_transfers.yaml"]


def test_a_link_at_the_target_is_replaced_only_with_force_and_its_target_never(data: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"do not touch")
    link = tmp_path / "out.csv"
    link.symlink_to(victim)
    assert export(data, "--out", str(link)) == 2
    assert link.is_symlink() and victim.read_bytes() == b"do not touch"
    assert export(data, "--out", str(link), "--force") == 0
    assert not link.is_symlink() and link.read_bytes().startswith(b"\xef\xbb\xbfid,title,")
    assert victim.read_bytes() == b"do not touch"


def test_a_broken_link_counts_as_existing(data: Path, tmp_path: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "nowhere" / "file")
    assert export(data, "--out", str(link)) == 2
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()


def test_folders_and_special_files_are_never_replaced(data: Path, tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert export(data, "--out", str(fifo), "--force") == 2
    assert "special file" in capsys.readouterr().err and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with pytest.raises(outfiles.OutputRefused, match="is a folder"):
        outfiles.check_output(data, force=True)


def test_a_failure_mid_write_leaves_no_file_and_no_temporary_file(
    data: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    out_folder = tmp_path / "out"
    out_folder.mkdir()
    (out_folder / "kept.csv").write_bytes(b"previous export")

    def failing_fsync(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    assert export(data, "--out", str(out_folder / "new.csv")) == 1
    assert export(data, "--out", str(out_folder / "kept.csv"), "--force") == 1
    error = capsys.readouterr().err
    assert f"error: cannot write {out_folder / 'new.csv'}: Input/output error" in error and "Traceback" not in error
    assert sorted(path.name for path in out_folder.iterdir()) == ["kept.csv"]
    assert (out_folder / "kept.csv").read_bytes() == b"previous export"


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    class Interrupted(BaseException):
        pass

    def interrupt(descriptor: int) -> None:
        raise Interrupted

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(Interrupted):
        outfiles.write_output(tmp_path / "x.csv", b"data")
    assert list(tmp_path.iterdir()) == []


def test_a_file_appearing_while_writing_is_not_clobbered(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "x.csv"
    write_temporary = outfiles.write_temporary

    def racing(path: Path, data: bytes) -> Path:
        temporary = write_temporary(path, data)
        target.write_bytes(b"someone else's file")  # appears after the check, before the link
        return temporary

    monkeypatch.setattr(outfiles, "write_temporary", racing)
    with pytest.raises(outfiles.OutputExists):
        outfiles.write_output(target, b"ours")
    assert target.read_bytes() == b"someone else's file"
    assert [path.name for path in tmp_path.iterdir()] == ["x.csv"]


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        outfiles.write_output(tmp_path / "x.csv", b"data")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "x.csv").st_mode) == 0o644
