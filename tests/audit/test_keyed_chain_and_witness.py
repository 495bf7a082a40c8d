"""The owner of the audit tables cannot rewrite or shorten history unseen.

Each test plays the attacker who owns the tables: the owner may switch the append-only
triggers off and grant itself back the privileges the migration revoked. It holds neither
the seal key (in the application's environment) nor the witness file (outside the database).
`verify_audit` with no options, and `/readyz`, must notice what it did.
"""

import itertools
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from audit.chain import chain_digest, event_digest, seal_pending
from audit.keys import SealKey, block_mac
from audit.models import Action, AuditBlock, AuditEvent, AuditSeal
from audit.services import audit_event_record
from tests.database import forced
from tests.factories import make_user

pytestmark = pytest.mark.django_db

USERS = itertools.count()
HOSTILE_DETAILS = {
    "criteria": {"family_name": "O'Brien\u202e; DROP TABLE audit_auditevent;--"},
    "returned": ['=HYPERLINK("http://evil")', "Zoë"],
}


def as_the_owner(*statements: str | tuple[str, list]) -> None:
    """What the tables' owner can do: switch the append-only triggers off, grant itself the
    privileges the migration revoked, change rows, then put triggers and privileges back
    (tests.database.forced, as the owner role, inside the test's transaction)."""
    for statement in statements:
        sql, params = (statement, []) if isinstance(statement, str) else statement
        forced(sql, params)


def sealed_blocks(*sizes: int) -> list[list[AuditEvent]]:
    """Seal one block of each size; the events of each block."""
    user = make_user(f"sealer.{next(USERS)}")
    blocks = []
    for size in sizes:
        made = [
            audit_event_record(action=Action.SEARCH, actor=user, details=HOSTILE_DETAILS)
            for _ in range(size)
        ]
        # As if the events were a minute old: the sealer leaves the newest alone.
        as_the_owner(
            (
                "UPDATE audit_auditevent SET occurred_at = occurred_at - interval '1 minute'"
                " WHERE id = ANY(%s)",
                [[event.pk for event in made]],
            )
        )
        assert seal_pending() == size
        blocks.append(made)
    return blocks


def verify_audit(*args: str) -> str:
    """Run verify_audit; its output. Raises CommandError (exit status 1) on a problem."""
    out = StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as exc:
        exc.output = out.getvalue()
        raise
    return out.getvalue()


def verify_audit_fails(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        verify_audit(*args)
    assert failure.value.returncode == 1
    return failure.value.output


def delete_tail(*, from_position: int, block: bool = True) -> None:
    """The owner deletes the sealed events from a position on, their seals and their block."""
    statements: list[str | tuple[str, list]] = [
        (
            "DELETE FROM audit_auditevent WHERE id IN"
            " (SELECT event_id FROM audit_auditseal WHERE position >= %s)",
            [from_position],
        ),
        ("DELETE FROM audit_auditseal WHERE position >= %s", [from_position]),
    ]
    if block:
        statements.append(
            ("DELETE FROM audit_auditblock WHERE last_position >= %s", [from_position])
        )
    as_the_owner(*statements)


def rewrite_from(position: int, *, reason: str) -> dict[int, str]:
    """The owner alters the event at ``position`` and recomputes every seal from there on, as
    an unkeyed sha256 chain can be; returns the new chain hash at each position."""
    seal = AuditSeal.objects.get(position=position)
    as_the_owner(("UPDATE audit_auditevent SET reason = %s WHERE id = %s", [reason, seal.event_id]))
    previous = AuditSeal.objects.get(position=position - 1).chain_hash if position > 1 else "0" * 64
    heads = {}
    for seal in AuditSeal.objects.filter(position__gte=position).order_by("position"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, occurred_at, action, outcome, actor_id, actor_username,"
                " actor_organisation, actor_roles, ip_address, request_id, reason, object_type,"
                " object_id, details FROM audit_auditevent WHERE id = %s",
                [seal.event_id],
            )
            names = [column.name for column in cursor.description]
            row = dict(zip(names, cursor.fetchone(), strict=True))
        event_hash = event_digest(row)
        previous = chain_digest(previous, event_hash)
        heads[seal.position] = previous
        as_the_owner(
            (
                "UPDATE audit_auditseal SET event_hash = %s, chain_hash = %s WHERE id = %s",
                [event_hash, previous, seal.pk],
            )
        )
    return heads


def witness_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- An intact chain -------------------------------------------------------------------


def test_an_intact_chain_passes_verify_audit_with_no_options(audit_witness):
    sealed_blocks(3, 2)
    out = verify_audit()
    assert "Audit chain intact." in out
    assert "checked 5 in 2 block(s)" in out
    assert "Keyed blocks by key: test-2026 (2)." in out
    assert f"Witness {audit_witness}: 3 line(s), last head at position 5." in out
    assert "legacy" not in out


def test_each_block_is_keyed_and_its_head_appended_to_the_witness_and_the_log(
    audit_witness, caplog
):
    caplog.set_level("INFO", logger="audit.witness")
    sealed_blocks(3, 2)
    lines = witness_lines(audit_witness)
    assert [line["type"] for line in lines] == ["open", "block", "block"]
    assert (lines[0]["last"], lines[0]["head"]) == (0, "0" * 64)
    for line, block in zip(lines[1:], AuditBlock.objects.order_by("id"), strict=True):
        assert block.key_id == "test-2026" and len(block.mac) == 64
        assert (line["block"], line["first"], line["last"], line["head"]) == (
            block.pk,
            block.first_position,
            block.last_position,
            block.head_hash,
        )
        assert (line["kid"], line["mac"]) == (block.key_id, block.mac)
        assert line["event"] == AuditSeal.objects.get(position=block.last_position).event_id
    logged = [record.getMessage() for record in caplog.records if record.name == "audit.witness"]
    assert len(logged) == 3 and all(
        block.mac in " ".join(logged) for block in AuditBlock.objects.all()
    )
    # The witness and its log copy carry heads and MACs, nothing an event said.
    assert "O'Brien" not in audit_witness.read_text() and "O'Brien" not in " ".join(logged)


# --- Cutting the tail off -------------------------------------------------------------------


def test_deleting_the_last_events_seals_and_block_as_the_owner_fails_verify_audit():
    sealed_blocks(3, 2)
    delete_tail(from_position=4)
    out = verify_audit_fails()
    assert "TRUNCATED at position 4" in out
    assert "beyond the database's chain, which ends at position 3" in out
    assert "--restored-from-backup" in out


def test_deleting_the_last_events_and_seals_but_not_their_block_fails_verify_audit():
    sealed_blocks(3, 2)
    delete_tail(from_position=4, block=False)
    out = verify_audit_fails()
    assert "REMOVED at position 4" in out


def test_deleting_only_the_last_block_fails_verify_audit():
    sealed_blocks(3, 2)
    as_the_owner("DELETE FROM audit_auditblock WHERE first_position = 4")
    out = verify_audit_fails()
    assert "BLOCK MISSING at position 4" in out


def test_the_sealer_will_not_extend_a_chain_whose_tail_was_cut_off(audit_witness):
    sealed_blocks(3, 2)
    delete_tail(from_position=4)
    lines_before = audit_witness.read_text()
    made = [audit_event_record(action=Action.LOGOUT, actor_username="later") for _ in range(3)]
    as_the_owner(
        (
            "UPDATE audit_auditevent SET occurred_at = occurred_at - interval '1 minute'"
            " WHERE id = ANY(%s)",
            [[event.pk for event in made]],
        )
    )
    with pytest.raises(CommandError, match="recorded a head at position 5"):
        call_command("seal_audit", stdout=StringIO())
    assert AuditSeal.objects.count() == 3
    assert audit_witness.read_text() == lines_before
    out = verify_audit_fails()
    assert "NOT SEALED outside the chain" in out and "TRUNCATED at position 4" in out


def test_new_events_sealed_over_a_cut_tail_do_not_hide_it(settings, tmp_path, audit_witness):
    sealed_blocks(3, 2)
    delete_tail(from_position=4)
    # Even if the owner gets new events sealed into positions 4-6 (say by a sealer pointed
    # at another witness), the real witness still holds the old head at position 5.
    elsewhere = tmp_path / "elsewhere.jsonl"
    elsewhere.write_text("".join(audit_witness.read_text().splitlines(keepends=True)[:2]))
    settings.AUDIT_WITNESS_PATH = str(elsewhere)
    sealed_blocks(3)
    out = verify_audit_fails("--no-seal", "--witness", str(audit_witness))
    assert "WITNESS MISMATCH at position 5" in out


# --- Editing and rewriting blocks -------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE audit_auditblock SET head_hash = repeat('a', 64) WHERE first_position = 4",
        "UPDATE audit_auditblock SET last_position = 4 WHERE first_position = 4",
        "UPDATE audit_auditblock SET first_position = 5 WHERE first_position = 4",
        "UPDATE audit_auditblock SET mac = repeat('0', 64) WHERE first_position = 4",
        "UPDATE audit_auditblock SET key_id = 'test-2025' WHERE first_position = 4",
        "UPDATE audit_auditblock SET sealed_at = sealed_at - interval '1 day'"
        " WHERE first_position = 4",
        "UPDATE audit_auditblock SET id = id + 100 WHERE first_position = 4",
        "UPDATE audit_auditseal SET block_id = (SELECT min(id) FROM audit_auditblock)"
        " WHERE position = 5",
    ],
    ids=["head", "last", "first", "mac", "key", "sealed_at", "id", "seal's block"],
)
def test_editing_a_block_row_as_the_owner_fails_verify_audit(edit):
    sealed_blocks(3, 2)
    as_the_owner(edit)
    verify_audit_fails()


def test_editing_a_block_row_is_found_by_verify_audit_without_the_witness_too():
    sealed_blocks(3, 2)
    as_the_owner("UPDATE audit_auditblock SET head_hash = repeat('a', 64) WHERE first_position = 4")
    out = verify_audit_fails("--no-seal")
    assert "BLOCK ALTERED at position 5" in out
    assert "FORGED BLOCK at position 4" in out


def test_rewriting_a_block_with_recomputed_unkeyed_hashes_fails_verify_audit():
    sealed_blocks(3, 2)
    heads = rewrite_from(4, reason="nothing to see here")
    as_the_owner(
        (
            "UPDATE audit_auditblock SET head_hash = %s, key_id = '', mac = ''"
            " WHERE first_position = 4",
            [heads[5]],
        )
    )
    out = verify_audit_fails()
    assert "UNKEYED BLOCK at position 4" in out
    assert "only blocks sealed before keys existed may be unkeyed" in out
    assert "WITNESS MISMATCH at position 5" in out


def test_rewriting_the_whole_chain_as_unkeyed_legacy_fails_verify_audit():
    sealed_blocks(3, 2)
    heads = rewrite_from(1, reason="a different reason")
    as_the_owner(
        (
            "UPDATE audit_auditblock SET key_id = '', mac = '',"
            " head_hash = CASE last_position WHEN 3 THEN %s ELSE %s END",
            [heads[3], heads[5]],
        )
    )
    out = verify_audit_fails()
    assert "WITNESS MISMATCH at position 3" in out
    assert "WITNESS MISMATCH at position 5" in out


@pytest.mark.parametrize("key_id", ["test-2026", "attacker"])
def test_a_block_resealed_with_another_key_fails_verify_audit(key_id):
    sealed_blocks(3, 2)
    heads = rewrite_from(4, reason="nothing to see here")
    block = AuditBlock.objects.get(first_position=4)
    wrong_key = SealKey(key_id, b"the attacker's own key, not the one in the environment")
    forged = block_mac(
        wrong_key, first_position=4, last_position=5, head_hash=heads[5], sealed_at=block.sealed_at
    )
    as_the_owner(
        (
            "UPDATE audit_auditblock SET head_hash = %s, key_id = %s, mac = %s WHERE id = %s",
            [heads[5], key_id, forged, block.pk],
        )
    )
    out = verify_audit_fails("--no-seal")
    expected = (
        "FORGED BLOCK at position 4" if key_id == "test-2026" else "UNKNOWN KEY at position 4"
    )
    assert expected in out


# --- Keys: rotation and legacy seals ----------------------------------------------------------


def test_blocks_sealed_under_an_earlier_key_verify_while_that_key_is_kept(settings):
    sealed_blocks(2)
    settings.AUDIT_SEAL_KEY_ID = "test-2027"
    settings.AUDIT_SEAL_SECRETS = {
        **settings.AUDIT_SEAL_SECRETS,
        "test-2027": "the-next-years-audit-seal-secret-0123456789",
    }
    sealed_blocks(3)
    out = verify_audit()
    assert "Keyed blocks by key: test-2026 (1), test-2027 (1)." in out
    assert AuditBlock.objects.get(first_position=3).key_id == "test-2027"

    settings.AUDIT_SEAL_SECRETS = {"test-2027": settings.AUDIT_SEAL_SECRETS["test-2027"]}
    out = verify_audit_fails()
    assert "UNKNOWN KEY at position 1" in out
    assert "neither AUDIT_SEAL_KEY nor in AUDIT_SEAL_KEYS" in out


def test_unkeyed_legacy_blocks_verify_by_hash_and_are_flagged(audit_witness):
    # A chain sealed before keys and the witness existed.
    sealed_blocks(3, 2)
    as_the_owner("UPDATE audit_auditblock SET key_id = '', mac = ''")
    audit_witness.unlink()
    out = verify_audit("--no-seal")
    assert "2 unkeyed legacy block(s)" in out

    # The first keyed seal starts the witness at the legacy head, and covers it.
    sealed_blocks(2)
    assert witness_lines(audit_witness)[0]["type"] == "open"
    assert witness_lines(audit_witness)[0]["last"] == 5
    out = verify_audit()
    assert "2 unkeyed legacy block(s)" in out and "test-2026 (1)" in out
    assert "Audit chain intact." in out


def test_a_legacy_block_is_protected_by_the_keyed_block_after_it():
    sealed_blocks(3, 2)
    as_the_owner("UPDATE audit_auditblock SET key_id = '', mac = '' WHERE first_position = 1")
    heads = rewrite_from(2, reason="changed")
    as_the_owner(
        (
            "UPDATE audit_auditblock"
            " SET head_hash = CASE first_position WHEN 1 THEN %s ELSE %s END",
            [heads[3], heads[5]],
        )
    )
    out = verify_audit_fails("--no-seal", "--witness", "/nonexistent/witness")
    assert "FORGED BLOCK at position 4" in out


def test_without_a_configured_key_development_uses_a_private_key_file(settings, tmp_path):
    settings.AUDIT_SEAL_KEY_ID = ""
    settings.AUDIT_SEAL_SECRETS = {}
    settings.AUDIT_SEAL_KEY_FILE = tmp_path / "keys" / "audit-seal.key"
    sealed_blocks(2)
    assert settings.AUDIT_SEAL_KEY_FILE.stat().st_mode & 0o777 == 0o600
    key_id = AuditBlock.objects.get().key_id
    assert key_id.startswith("dev-")
    assert "Audit chain intact." in verify_audit()

    settings.AUDIT_SEAL_KEY_FILE.write_text("another-development-key-0123456789abcdef\n")
    assert "UNKNOWN KEY at position 1" in verify_audit_fails()


# --- The witness ------------------------------------------------------------------------------


def test_a_missing_witness_fails_verify_audit_and_stops_the_sealer(audit_witness, tmp_path):
    sealed_blocks(2)
    copy = tmp_path / "off-site-copy.jsonl"
    copy.write_bytes(audit_witness.read_bytes())
    audit_witness.unlink()
    out = verify_audit_fails()
    assert "WITNESS MISSING" in out
    with pytest.raises(CommandError, match="missing or empty but the chain has keyed blocks"):
        call_command("seal_audit", stdout=StringIO())
    assert not audit_witness.exists()
    assert "Audit chain intact." in verify_audit("--no-seal", "--witness", str(copy))


def test_a_line_added_to_the_witness_without_the_key_fails_verify_audit(audit_witness):
    sealed_blocks(2)
    line = witness_lines(audit_witness)[-1] | {"last": 9, "first": 3, "mac": "0" * 64}
    with audit_witness.open("a") as witness:
        witness.write(json.dumps(line) + "\n" + "not json\n")
    out = verify_audit_fails()
    assert "WITNESS FORGED at position 9" in out
    assert "WITNESS UNREADABLE" in out


# --- Restoring an older backup ----------------------------------------------------------------


def test_a_restored_backup_is_accepted_only_explicitly_and_that_is_audited(audit_witness):
    sealed_blocks(3, 2)
    delete_tail(from_position=4)  # what restoring a backup taken after the first block looks like
    assert "TRUNCATED" in verify_audit_fails()

    out = verify_audit("--restored-from-backup")
    assert "Restored from a backup: 1 witnessed block(s), 2 sealed event(s) after position 3" in out
    assert "Audit chain intact." in out
    event = AuditEvent.objects.get(action=Action.AUDIT_RESTORE)
    assert event.details["missing_blocks"] == 1 and event.details["missing_events"] == 2
    assert event.details["head_position"] == 3
    restore = witness_lines(audit_witness)[-1]
    assert (restore["type"], restore["last"], restore["missing_events"]) == ("restore", 3, 2)

    sealed_blocks(2)  # life goes on: positions 4-5 again, with other events
    assert "Audit chain intact." in verify_audit()
    assert Client().get("/readyz").json()["checks"]["audit_chain"] == "ok"


def test_restored_from_backup_still_finds_a_rewrite_within_what_was_restored():
    sealed_blocks(3, 2)
    delete_tail(from_position=4)
    heads = rewrite_from(2, reason="changed")
    as_the_owner(("UPDATE audit_auditblock SET head_hash = %s, key_id = '', mac = ''", [heads[3]]))
    out = verify_audit_fails("--restored-from-backup")
    assert "WITNESS MISMATCH at position 3" in out
    assert not AuditEvent.objects.filter(action=Action.AUDIT_RESTORE).exists()


# --- Readiness --------------------------------------------------------------------------------


def test_readiness_holds_while_the_chain_matches_its_witness():
    sealed_blocks(3, 2)
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["audit_chain"] == "ok"


@pytest.mark.parametrize(
    ("damage", "state"),
    [
        (lambda witness: delete_tail(from_position=4), "witness_mismatch"),
        (lambda witness: delete_tail(from_position=5, block=False), "inconsistent"),
        (lambda witness: witness.unlink(), "witness_mismatch"),
        (
            lambda witness: as_the_owner(
                "UPDATE audit_auditblock SET mac = repeat('0', 64) WHERE first_position = 4"
            ),
            "inconsistent",
        ),
        (
            lambda witness: as_the_owner(
                "UPDATE audit_auditblock SET key_id = '', mac = '' WHERE first_position = 4"
            ),
            "inconsistent",
        ),
    ],
    ids=["tail cut off", "last seal cut off", "witness gone", "mac changed", "block unkeyed"],
)
def test_readiness_fails_when_the_chain_no_longer_matches(audit_witness, damage, state):
    sealed_blocks(3, 2)
    damage(audit_witness)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["audit_chain"] == state


def test_readiness_holds_for_a_legacy_chain_with_no_witness_yet(audit_witness):
    sealed_blocks(3)
    as_the_owner("UPDATE audit_auditblock SET key_id = '', mac = ''")
    audit_witness.unlink()
    assert Client().get("/readyz").status_code == 200
