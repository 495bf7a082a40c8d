"""The audit tests' witness and seal key fixtures live in tests/conftest.py (every test seals
with its own witness and key)."""

from tests.conftest import TEST_SEAL_KEY_ID, TEST_SEAL_SECRET

__all__ = ["TEST_SEAL_KEY_ID", "TEST_SEAL_SECRET"]
