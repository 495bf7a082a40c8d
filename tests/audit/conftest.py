from pathlib import Path

import pytest

TEST_SEAL_KEY_ID = "test-2026"
TEST_SEAL_SECRET = "test-only-audit-seal-secret-0123456789-abcdefghij"  # noqa: S105  # nosec B105


@pytest.fixture(autouse=True)
def audit_witness(settings, tmp_path) -> Path:
    """Each test's chain has its own witness: the database is rolled back after every test,
    and a witness shared between tests would hold heads the next test's database never had."""
    path = tmp_path / "audit-witness.jsonl"
    settings.AUDIT_WITNESS_PATH = str(path)
    return path


@pytest.fixture(autouse=True)
def audit_seal_key(settings) -> str:
    """Tests seal with a key of their own, never the development key file under var/."""
    settings.AUDIT_SEAL_KEY_ID = TEST_SEAL_KEY_ID
    settings.AUDIT_SEAL_SECRETS = {TEST_SEAL_KEY_ID: TEST_SEAL_SECRET}
    return TEST_SEAL_KEY_ID
