"""Reference lists kept in ``data/registries/``: event types, actors, weapons, countries and the gazetteer.

They are data, not code: a new event type, actor, weapon or place is added by editing these files.
Each registry is read into a small DataFrame indexed by its id; a broken registry is reported as
problems, like a broken record file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.model.problems import Problem, Severity
from dashboard.safeio.safeyaml import YamlError, load_yaml_document, load_yaml_records

REGISTRY_FILES = {
    "event_types": "event_types.yaml",
    "actors": "actors.yaml",
    "weapons": "weapons.yaml",
    "countries": "countries.csv",
    "gazetteer": "gazetteer.csv",
    "dataset_event_types": "dataset_event_types.yaml",
    "dataset_actors": "dataset_actors.yaml",
    "fips_countries": "fips_countries.csv",
}
FIPS_PREFIX = "FIPS "  # a country given as a FIPS 10-4 code (GDELT): "FIPS UP" is Ukraine
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# How an event type ties its actors on the Network page (event_types.yaml ``tie:``); a type without one is
# ``other`` (drawn grey).
TIE_KINDS = ("supplies", "fights", "meets", "says")
OTHER_TIE = "other"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def name_key(text: object) -> str:
    """Key used to match names and aliases: case-folded, spaces squeezed (``" North  Korea"`` → ``"north korea"``)."""
    return " ".join(str(text).split()).casefold()


@dataclass
class Registries:
    """All reference lists, plus lookups from any name or alias to an id."""

    event_types: pd.DataFrame  # index id; label, colour, description, tie, cues (tuple of cue phrases)
    actors: pd.DataFrame  # index id; name, country, aliases, colour
    weapons: pd.DataFrame  # index id; name, kind, min_range_km, max_range_km, range_source, aliases
    countries: pd.DataFrame  # index iso_a3; name
    gazetteer: pd.DataFrame  # name, aliases, country, latitude, longitude, kind
    problems: list[Problem] = field(default_factory=list)
    # dataset -> {category (by name_key) -> event type id}, from dataset_event_types.yaml
    dataset_types: dict[str, dict[str, str]] = field(default_factory=dict)
    # (pattern, actor id) in file order, from dataset_actors.yaml
    dataset_actor_patterns: tuple[tuple[re.Pattern[str], str], ...] = ()
    # FIPS 10-4 code -> alpha-3 code of the country registry, from fips_countries.csv
    fips_countries: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.actor_names: dict[str, str] = self.actors["name"].astype(str).to_dict()
        self.type_labels: dict[str, str] = self.event_types["label"].astype(str).to_dict()
        self.type_colours: dict[str, str] = self.event_types["colour"].astype(str).to_dict()
        ties = self.event_types.get("tie", pd.Series(OTHER_TIE, index=self.event_types.index, dtype=object))
        self.type_ties: dict[str, str] = ties.fillna(OTHER_TIE).astype(str).to_dict()
        # type id -> the words that signal it in article text (event_types.yaml ``cues:``), for the draft extractor
        cues = self.event_types["cues"] if "cues" in self.event_types else pd.Series(dtype=object)
        self.type_cues: dict[str, tuple[str, ...]] = {
            str(type_id): found for type_id, found in cues.items() if isinstance(found, tuple) and found
        }
        self.actor_lookup = _lookup(self.actors, "name")
        self.weapon_lookup = _lookup(self.weapons, "name")
        self.event_type_lookup = _lookup(self.event_types, "label")
        self.place_lookup = _place_lookup(self.gazetteer)
        self.country_names = {name_key(name): code for code, name in self.countries["name"].items()}

    def event_type_colour(self, event_type: str) -> str:
        """Colour of an event type as ``#rrggbb`` (grey for an unknown type)."""
        return self.type_colours.get(event_type, "#888888")

    def event_type_label(self, event_type: str) -> str:
        return self.type_labels.get(event_type, event_type)

    def event_type_tie(self, event_type: str) -> str:
        """How an event type ties its actors: one of `TIE_KINDS`, or ``other`` (also for an unknown type)."""
        return self.type_ties.get(event_type, OTHER_TIE)

    def actor_name(self, actor: str) -> str:
        """The registry name of an actor id; a dataset actor (not in the registry) is its own name."""
        return self.actor_names.get(actor, actor)

    def dataset_event_type(self, dataset: str, category: str) -> str | None:
        """The event type id of a dataset's category (``"Explosions/Remote violence > Air/drone strike"``: the
        most specific mapped step wins), or of a type id or label already (an exported event read again)."""
        mapped = self.dataset_types.get(dataset, {})
        for step in reversed(str(category).split(" > ")):
            found = mapped.get(name_key(step))
            if found:
                return found
        return self.event_type_lookup.get(name_key(category))

    def country_name(self, code: str) -> str:
        """The registry name of an ISO alpha-3 code (an unknown code is shown as it is)."""
        return str(self.countries["name"].get(code, code))

    def country_code(self, text: str) -> str | None:
        """An ISO alpha-3 code for a code or a country name of the registry (any case), or for a FIPS 10-4
        code written ``"FIPS UP"``."""
        code = str(text).strip().upper()
        if code in self.countries.index:
            return code
        if code.startswith(FIPS_PREFIX):
            return self.fips_countries.get(code.removeprefix(FIPS_PREFIX).strip())
        return self.country_names.get(name_key(text))

    def dataset_actor(self, name: str) -> str:
        """A dataset's actor name as an actor id: by name or alias, else by the first matching pattern of
        dataset_actors.yaml, else the name itself (spaces squeezed), kept as a dataset actor."""
        text = " ".join(str(name).split())
        found = self.actor_lookup.get(name_key(text))
        if found:
            return found
        for pattern, actor in self.dataset_actor_patterns:
            if pattern.fullmatch(text):
                return actor
        return text


def _lookup(table: pd.DataFrame, name_column: str) -> dict[str, str]:
    """Map the id, the name and every alias (all by `name_key`) to the id."""
    lookup: dict[str, str] = {}
    for item_id, row in table.iterrows():
        keys = [item_id, row[name_column], *row.get("aliases", ())]
        for key in keys:
            lookup.setdefault(name_key(key), str(item_id))
    return lookup


def _place_lookup(gazetteer: pd.DataFrame) -> dict[str, int]:
    """Map each place name and alias (by `name_key`) to its row position in the gazetteer."""
    lookup: dict[str, int] = {}
    for position, (name, aliases) in enumerate(zip(gazetteer["name"], gazetteer["aliases"], strict=True)):
        for key in (name, *aliases):
            lookup.setdefault(name_key(key), position)
    return lookup


def default_registry_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "registries"


def load_registries(folder: Path | None = None) -> Registries:
    """Read every registry from ``folder`` (default: the bundled ``data/registries``)."""
    folder = folder or default_registry_dir()
    problems: list[Problem] = []
    event_types = _read_yaml_table(
        folder / REGISTRY_FILES["event_types"], ("id", "label", "colour", "description"), problems
    )
    actors = _read_yaml_table(folder / REGISTRY_FILES["actors"], ("id", "name", "country", "colour"), problems)
    weapons = _read_yaml_table(
        folder / REGISTRY_FILES["weapons"], ("id", "name", "kind", "max_range_km", "range_source"), problems
    )
    for table, path in ((event_types, "event_types"), (actors, "actors")):
        bad = ~table["colour"].astype(str).str.match(_COLOUR.pattern)
        for item_id in table.index[bad]:
            problems.append(_registry_problem(folder / REGISTRY_FILES[path], item_id, "colour", "must be #rrggbb"))
    event_types["tie"] = _tie_kinds(event_types, folder / REGISTRY_FILES["event_types"], problems)
    event_types["cues"] = _cue_lists(event_types, folder / REGISTRY_FILES["event_types"], problems)
    for column in ("min_range_km", "max_range_km"):
        weapons[column] = pd.to_numeric(weapons.get(column), errors="coerce")
    countries = _read_csv_table(folder / REGISTRY_FILES["countries"], ("iso_a3", "name"), problems).set_index("iso_a3")
    gazetteer = _read_csv_table(
        folder / REGISTRY_FILES["gazetteer"], ("name", "country", "latitude", "longitude", "kind"), problems
    )
    gazetteer["aliases"] = gazetteer.get("aliases", pd.Series("", index=gazetteer.index)).map(_split_list)
    for column in ("latitude", "longitude"):
        gazetteer[column] = pd.to_numeric(gazetteer[column], errors="coerce")
    bad_places = gazetteer["latitude"].isna() | gazetteer["longitude"].isna()
    for position in gazetteer.index[bad_places]:
        problems.append(
            Problem(
                file=str(folder / REGISTRY_FILES["gazetteer"]),
                line=int(position) + 2,
                record_id=str(gazetteer.at[position, "name"]),
                field="latitude/longitude",
                value=None,
                message="gazetteer place has no valid coordinates",
                severity=Severity.ERROR,
            )
        )
    dataset_types = _read_dataset_types(folder / REGISTRY_FILES["dataset_event_types"], event_types, problems)
    dataset_actor_patterns = _read_dataset_actors(folder / REGISTRY_FILES["dataset_actors"], actors, problems)
    fips_path = folder / REGISTRY_FILES["fips_countries"]
    fips = _read_csv_table(fips_path, ("fips", "iso_a3"), problems) if fips_path.exists() else None  # optional
    return Registries(
        event_types=event_types,
        actors=actors,
        weapons=weapons,
        countries=countries,
        gazetteer=gazetteer[~bad_places].reset_index(drop=True),
        problems=problems,
        dataset_types=dataset_types,
        dataset_actor_patterns=dataset_actor_patterns,
        fips_countries={} if fips is None else _fips_codes(fips, countries, fips_path, problems),
    )


def _tie_kinds(event_types: pd.DataFrame, path: Path, problems: list[Problem]) -> pd.Series:
    """Each type's optional ``tie``: one of `TIE_KINDS` or ``other`` (the default); any other value is a
    problem and counts as ``other``."""
    given = event_types.get("tie", pd.Series(None, index=event_types.index, dtype=object))
    ties = given.map(lambda value: OTHER_TIE if value is None or value == "" or value != value else str(value))
    allowed = (*TIE_KINDS, OTHER_TIE)
    for item_id in ties.index[~ties.isin(allowed)]:
        problems.append(_registry_problem(path, item_id, "tie", f"must be one of {', '.join(allowed)}"))
    return ties.where(ties.isin(allowed), OTHER_TIE).astype(object)


def _cue_lists(event_types: pd.DataFrame, path: Path, problems: list[Problem]) -> pd.Series:
    """Each type's optional ``cues``: a list of short phrases (tuple of stripped text); anything else is a problem
    and counts as no cues."""
    given = event_types.get("cues", pd.Series(None, index=event_types.index, dtype=object))
    cues = pd.Series([()] * len(event_types), index=event_types.index, dtype=object)
    for type_id, value in given.items():
        if value is None or (isinstance(value, float) and value != value):
            continue
        if not isinstance(value, list) or not all(isinstance(cue, str) and cue.strip() for cue in value):
            problems.append(_registry_problem(path, type_id, "cues", "must be a list of words or phrases"))
            continue
        cues[type_id] = tuple(" ".join(cue.split()) for cue in value)
    return cues


def _fips_codes(table: pd.DataFrame, countries: pd.DataFrame, path: Path, problems: list[Problem]) -> dict[str, str]:
    """FIPS code -> alpha-3 code; a row naming a country the registry lacks is a problem and left out."""
    codes = {}
    for fips, code in zip(table["fips"].str.strip().str.upper(), table["iso_a3"].str.strip().str.upper(), strict=True):
        if code in countries.index:
            codes[fips] = code
        else:
            problems.append(_registry_problem(path, fips, "iso_a3", f"{code!r} is not in countries.csv"))
    return codes


def _read_mapping_file(path: Path, problems: list[Problem]) -> object:
    if not path.exists():  # optional: without it, imported categories and actors are not mapped
        return None
    try:
        return load_yaml_document(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, YamlError) as error:
        line = getattr(error, "line", None)
        problems.append(_registry_problem(path, None, "", f"cannot read registry: {error}", line))
        return None


def _read_dataset_types(path: Path, event_types: pd.DataFrame, problems: list[Problem]) -> dict[str, dict[str, str]]:
    """``{dataset: {category key: event type id}}``; a category mapped to an unknown type is a problem."""
    document = _read_mapping_file(path, problems)
    if document is None:
        return {}
    if not isinstance(document, dict):
        problems.append(_registry_problem(path, None, "", "expected a mapping of datasets (acled: ..., ucdp: ...)"))
        return {}
    mapped: dict[str, dict[str, str]] = {}
    for dataset, categories in document.items():
        if not isinstance(categories, dict):
            problems.append(_registry_problem(path, str(dataset), "", "expected category: event type lines"))
            continue
        for category, event_type in categories.items():
            if str(event_type) not in event_types.index:
                problems.append(_registry_problem(path, str(category), "type", f"unknown event type {event_type!r}"))
                continue
            mapped.setdefault(str(dataset).lower(), {})[name_key(category)] = str(event_type)
    return mapped


def _read_dataset_actors(
    path: Path, actors: pd.DataFrame, problems: list[Problem]
) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Patterns (``*`` for any text, whole name, any case) and the actor each one names."""
    document = _read_mapping_file(path, problems)
    if document is None:
        return ()
    if not isinstance(document, list):
        problems.append(_registry_problem(path, None, "", "expected a list of {actor, patterns} entries"))
        return ()
    rules: list[tuple[re.Pattern[str], str]] = []
    for entry in document:
        actor = entry.get("actor") if isinstance(entry, dict) else None
        patterns = entry.get("patterns") if isinstance(entry, dict) else None
        if str(actor) not in actors.index or not isinstance(patterns, list):
            problems.append(
                _registry_problem(path, str(actor), "actor", "needs an actor id of actors.yaml and a list of patterns")
            )
            continue
        for pattern in patterns:
            text = " ".join(str(pattern).split())
            regex = ".*".join(re.escape(part) for part in text.split("*"))
            rules.append((re.compile(regex, re.IGNORECASE), str(actor)))
    return tuple(rules)


def _split_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value.strip():
        return ()
    return tuple(part.strip() for part in value.split(";") if part.strip())


def _registry_problem(path: Path, item_id: object, field_name: str, message: str, line: int | None = None) -> Problem:
    return Problem(
        file=str(path),
        line=line,
        record_id=str(item_id),
        field=field_name,
        value=None,
        message=message,
        severity=Severity.ERROR,
    )


def _read_yaml_table(path: Path, required: tuple[str, ...], problems: list[Problem]) -> pd.DataFrame:
    """Read a registry YAML file (a list of mappings) into a DataFrame indexed by ``id``."""
    try:
        items = load_yaml_records(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, YamlError) as error:
        problems.append(_registry_problem(path, None, "", f"cannot read registry: {error}"))
        items = []
    rows = []
    seen: set[str] = set()
    for line, item in items:
        if not isinstance(item, dict):
            problems.append(_registry_problem(path, None, "", "entry is not a mapping", line))
            continue
        missing = [key for key in required if item.get(key) in (None, "")]
        item_id = str(item.get("id", ""))
        if missing:
            problems.append(_registry_problem(path, item_id, ", ".join(missing), "required field missing", line))
            continue
        if not _ID.match(item_id) or item_id in seen:
            reason = "duplicate id" if item_id in seen else "id must be lower-case letters, digits, '_' or '-'"
            problems.append(_registry_problem(path, item_id, "id", reason, line))
            continue
        seen.add(item_id)
        aliases = item.get("aliases") or []
        item["aliases"] = tuple(str(alias) for alias in aliases) if isinstance(aliases, list) else (str(aliases),)
        rows.append(item)
    table = pd.DataFrame(rows, columns=sorted({key for row in rows for key in row} | set(required) | {"aliases"}))
    return table.set_index("id")


def _read_csv_table(path: Path, required: tuple[str, ...], problems: list[Problem]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        problems.append(_registry_problem(path, None, "", f"cannot read registry: {error}"))
        return pd.DataFrame(columns=list(required))
    missing = [column for column in required if column not in table.columns]
    if missing:
        problems.append(_registry_problem(path, None, ", ".join(missing), "required column missing"))
        for column in missing:
            table[column] = ""
    return table
