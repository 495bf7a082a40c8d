"""How names and postcodes are compared.

Names are stored with a normalised form (no accents, lower case, hyphens as
spaces, apostrophes dropped) and a phonetic key (metaphone), both indexed, so
that a search can find Kathryn for Catherine or Muhammad for Mohammed without
scanning.

Given names that are the same person's name although they neither look nor sound
alike (Olly for Oliver, Kasia for Katarzyna, Neve for Niamh, Mohammed for Muhammad)
come from one equivalence resource shared by search and feed matching: the
``nicknames`` package's table (Bob -> Robert; US-centred) and a curated table of names
in everyday use in the UK, ``records/data/uk_given_names.csv`` (British, Irish, Welsh,
Scottish, South Asian, Arabic, Polish and West African names; its header says where it
comes from). Both are loaded once per process.
"""

import csv
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import jellyfish
from nicknames import NickNamer

_NON_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_name(text: str) -> str:
    """'Zoë O'Brien-Smith ' -> 'zoe obrien smith'."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    ascii_only = ascii_only.replace("'", "").replace("\u2019", "")
    letters = _NON_LETTERS.sub(" ", ascii_only)
    return _SPACES.sub(" ", letters).strip()


def phonetic_key(normalised: str) -> str:
    """A sound-alike key for a normalised name; '' for an empty name."""
    if not normalised:
        return ""
    return jellyfish.metaphone(normalised.replace(" ", ""))[:40]


UK_GIVEN_NAMES = Path(__file__).resolve().parent / "data" / "uk_given_names.csv"


@lru_cache(maxsize=1)
def uk_given_name_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The curated table's rows: (kind, names normalised, the group's key first)."""
    with open(UK_GIVEN_NAMES, newline="", encoding="utf-8") as handle:
        lines = (line for line in handle if line.strip() and not line.startswith("#"))
        return tuple(
            (row["kind"], tuple(normalise_name(n) for n in row["names"].split()))
            for row in csv.DictReader(lines)
        )


@lru_cache(maxsize=1)
def _equivalence_groups() -> Mapping[str, frozenset[str]]:
    """Each group's key (its canonical name) and the names in the group, key included.

    A package group is a name and its nicknames; a curated row is one group, its first
    name the key. Groups with the same key are one group.
    """
    groups: dict[str, set[str]] = {}
    for canonical, nicknames in NickNamer().nickname_lookup.items():
        key = normalise_name(canonical)
        groups.setdefault(key, {key}).update(normalise_name(n) for n in nicknames)
    for _, names in uk_given_name_groups():
        groups.setdefault(names[0], {names[0]}).update(names)
    return {key: frozenset(n for n in names if n) for key, names in groups.items()}


@lru_cache(maxsize=1)
def _keys_by_name() -> Mapping[str, frozenset[str]]:
    keys: dict[str, set[str]] = {}
    for key, names in _equivalence_groups().items():
        for name in names:
            keys.setdefault(name, set()).add(key)
    return {name: frozenset(found) for name, found in keys.items()}


def name_equivalence_keys(normalised: str) -> frozenset[str]:
    """The keys of the equivalence groups a normalised given name belongs to.

    Two given names are equivalent exactly when their keys intersect, so a set-based
    matcher can join on (name key) instead of comparing every pair: Olly -> {oliver,
    olivia, ...}, Oliver -> {oliver}. A name in no group is its own key.
    """
    if not normalised:
        return frozenset()
    return _keys_by_name().get(normalised, frozenset()) | {normalised}


def name_equivalence_table() -> Mapping[str, frozenset[str]]:
    """Every name the resource knows, with its keys (for loading into a join table)."""
    return _keys_by_name()


@lru_cache(maxsize=8192)
def given_name_variants(normalised: str) -> frozenset[str]:
    """The name itself and every name equivalent to it (nicknames, the names it is a
    nickname of, spellings and transliterations): Olly -> Oliver, Olivia, Ollie ...

    Symmetric: b is a variant of a exactly when a is a variant of b.
    """
    if not normalised:
        return frozenset()
    groups = _equivalence_groups()
    variants = {normalised}
    for key in name_equivalence_keys(normalised):
        variants |= groups.get(key, frozenset())
    return frozenset(variants)


def normalise_postcode(text: str) -> str:
    """'sw1a1aa' -> 'SW1A 1AA'; a district 'sw1a' -> 'SW1A'; '' if it is neither."""
    compact = re.sub(r"\s+", "", text or "").upper()
    match = _POSTCODE.match(compact)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    if _DISTRICT.match(compact):
        return compact
    return ""


def postcode_district(postcode: str) -> str:
    """The outward code of a full postcode: 'SW1A 1AA' -> 'SW1A'."""
    return postcode.split(" ")[0] if postcode else ""
