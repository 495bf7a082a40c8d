"""How names and postcodes are compared.

Names are stored with a normalised form (no accents, lower case, hyphens as
spaces, apostrophes dropped) and a phonetic key (metaphone), both indexed, so
that a search can find Kathryn for Catherine or Muhammad for Mohammed without
scanning. Nicknames come from the ``nicknames`` package (Bob -> Robert).
"""

import re
import unicodedata
from functools import lru_cache

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


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=4096)
def given_name_variants(normalised: str) -> frozenset[str]:
    """The name itself, its nicknames and the names it is a nickname of."""
    if not normalised:
        return frozenset()
    namer = _nicknamer()
    variants = {normalised}
    variants |= namer.nicknames_of(normalised)
    for canonical in namer.canonicals_of(normalised):
        variants.add(canonical)
        variants |= namer.nicknames_of(canonical)
    return frozenset(v.lower() for v in variants)


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
