"""Validating other agencies' identifiers."""

import re

_NHS = re.compile(r"^\d{10}$")


def nhs_number_valid(value: str) -> bool:
    """An NHS number: 10 digits whose last is the modulus 11 check digit of the first nine."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not _NHS.match(digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def normalise_nhs_number(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")
