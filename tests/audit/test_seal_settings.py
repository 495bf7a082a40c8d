"""The seal key and the witness are configured from the environment, loudly: production will
not start without them, and a malformed value stops any start."""

import json
import os
import secrets
import socket
import subprocess  # nosec B404  # runs our own manage.py
import sys

import pytest

from tests.servers import BASE_DIR, database_url_of_test_database

PRODUCTION = {
    "HTTPS": "true",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "childindex.example",
    "AUDIT_SEAL_KEY": "k2026:" + secrets.token_urlsafe(48),
    "AUDIT_WITNESS_PATH": "/srv/witness/childindex.jsonl",
}
DEVELOPMENT = {"HTTPS": "false", "AUDIT_SEAL_KEY": "", "AUDIT_SEAL_KEYS": ""}


def check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "manage.py", "check", *args],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_starts_with_a_seal_key_and_a_witness_and_passes_the_deploy_checks():
    result = check(PRODUCTION, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("AUDIT_SEAL_KEY", "AUDIT_SEAL_KEY must be set when HTTPS=true"),
        ("AUDIT_WITNESS_PATH", "AUDIT_WITNESS_PATH must be set when HTTPS=true"),
    ],
)
def test_production_refuses_to_start_without_a_seal_key_or_a_witness(missing, message):
    result = check({**PRODUCTION, missing: ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AUDIT_SEAL_KEY", "no-id-just-a-long-secret-0123456789abcdefghijklmnop"),
        ("AUDIT_SEAL_KEY", "k2026:too-short"),
        ("AUDIT_SEAL_KEY", "bad id!:" + "s" * 40),
        ("AUDIT_SEAL_KEY", f"a:{'s' * 40},b:{'t' * 40}"),
        ("AUDIT_SEAL_KEYS", "k2025"),
        ("AUDIT_SEAL_KEYS", f"k2026:{'x' * 40}"),  # the current key's id, another secret
        ("AUDIT_WITNESS_SYSLOG", "syslog.example"),
    ],
    ids=["no id", "short secret", "bad id", "two current keys", "old key", "id twice", "syslog"],
)
def test_a_malformed_seal_setting_stops_the_start(name, value):
    result = check({**PRODUCTION, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name.rstrip("S") in result.stderr


def test_development_needs_no_seal_setting_and_the_deploy_check_names_the_key():
    assert check(DEVELOPMENT).returncode == 0
    result = check(DEVELOPMENT, "--deploy")
    assert "audit.W001" in result.stderr + result.stdout


@pytest.mark.django_db
def test_each_witness_line_also_goes_to_syslog_when_asked(tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(30)
    witness = tmp_path / "witness.jsonl"
    with receiver:
        env = {
            **DEVELOPMENT,
            "DATABASE_URL": database_url_of_test_database(),
            "AUDIT_SEAL_KEY": "k2026:" + secrets.token_urlsafe(48),
            "AUDIT_WITNESS_PATH": str(witness),
            "AUDIT_WITNESS_SYSLOG": f"127.0.0.1:{receiver.getsockname()[1]}",
        }
        result = subprocess.run(  # noqa: S603  # nosec B603
            [sys.executable, "manage.py", "seal_audit"],
            cwd=BASE_DIR,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        datagram = receiver.recv(4096).decode()
    line = witness.read_text().strip()
    assert json.loads(line)["type"] == "open"
    assert line in datagram and datagram.startswith("<")  # a syslog priority, then the line
