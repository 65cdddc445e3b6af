"""The address parameters are declared once (`dashboard.views.params.PARAMETERS`): the docs' table, the command
line's options and the notes about ignored parameters all follow that one list."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from dashboard import cli
from dashboard.views import params

REPO = Path(__file__).resolve().parents[2]


def test_the_docs_table_is_the_registry() -> None:
    text = (REPO / "docs" / "addresses.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- parameters:start -->\n(.*?)\n<!-- parameters:end -->", text, re.S)
    assert block, "docs/addresses.md has no parameters block"
    assert block.group(1) == params.markdown_table(), "regenerate the table from params.markdown_table()"


def test_every_option_the_registry_names_is_an_option_of_export() -> None:
    parser = cli.build_parser()
    export = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction)).choices[
        "export"
    ]
    destinations = {action.dest for action in export._actions}
    for parameter in params.PARAMETERS.values():
        if parameter.option:
            assert parameter.option in destinations, parameter.name


def test_options_are_added_to_the_address_and_whole_values_replace_it() -> None:
    options = argparse.Namespace(actor=["Iran"], dates=["2024-06-01", "2024-06-30"], no_band=True, q=None, ring=[])
    query = {"actor": ["Russia"], "dates": ["2024-01-01", "2024-12-31"], "type": ["Strike"]}
    assert params.from_options(options, query) == {
        "actor": ["Russia", "Iran"],
        "dates": ["2024-06-01", "2024-06-30"],
        "type": ["Strike"],
        "band": ["false"],
    }
