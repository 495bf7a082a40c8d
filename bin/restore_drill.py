#!/usr/bin/env python
"""Backup and restore drill (SECURITY.md 23; docs/operations.md "Restore drill").

On the server of DATABASE_URL (the private cluster under var/ when run by make), with the
roles of the service (docs/operations.md "Database roles"): the owner (DATABASE_OWNER_URL)
owns the databases and runs migrations and the restore; the application serves as the
serving role (DATABASE_URL). If the owner's URL is a superuser's, throw-away owner and
serving roles (not superusers) are made for the drill and acted as with SET ROLE.

1. create a throw-away source database owned by the owner, migrate it (which grants the
   serving role), load the demo borough as the serving role, write some audit events and
   seal them into the chain;
2. take a full ``pg_dump --format=custom`` with the pg_dump matching the server's version;
3. create a fresh target database and ``pg_restore`` the dump into it, as the owner;
4. check that every table holds the same number of rows, that ``verify_audit`` passes on
   the target with ``--expect-head`` set to the source's head, that ownership, grants and
   triggers are the same, that the serving role still holds only SELECT and INSERT on the
   audit tables, is refused UPDATE, DELETE and TRUNCATE there and cannot switch the
   triggers off, and that the triggers refuse even the owner holding every privilege.
5. seal more events on the source, so the audit witness (a file outside the database, shared
   by source and target as by a service and its restored database) is ahead of the backup,
   and check that ``verify_audit`` refuses the restored target until it is told, with
   ``--restored-from-backup``, which then counts what the restore lost.

It prints a report, drops the throw-away databases and roles (also on failure) and exits 1
on any mismatch.

    make drill        # or: .venv/bin/python bin/restore_drill.py [--children N]
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess  # nosec B404  # runs our own manage.py and the PostgreSQL client tools
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/childindex"
AUDIT_TABLES = ("audit_auditevent", "audit_auditseal", "audit_auditblock", "auditlog_logentry")
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
REFUSED = {"UPDATE", "DELETE", "TRUNCATE"}
# The sealer leaves events younger than this alone (audit/chain.py).
SEAL_SETTLE_SECONDS = 2.5

# Audit events as the service writes them: sign-ins, searches with the ids they returned,
# record views with their reasons, a refusal.
WRITE_EVENTS = """
from accounts.models import User
from audit.models import Action, Outcome
from audit.services import audit_event_record
from records.models import Child

ids = [str(i) for i in Child.objects.order_by("id").values_list("public_id", flat=True)[:30]]
for n, user in enumerate(User.objects.order_by("username")):
    audit_event_record(action=Action.LOGIN_SUCCESS, actor=user)
    audit_event_record(action=Action.SEARCH, actor=user,
                       details={"criteria": {"family_name": "Smith"}, "returned": ids[n:n + 3]})
    if ids:
        audit_event_record(action=Action.RECORD_VIEW, actor=user, object_type="child",
                           object_id=ids[n % len(ids)], reason="Restore drill")
audit_event_record(action=Action.LOGIN_FAILURE, outcome=Outcome.FAILURE, actor_username="nobody")
"""


class DrillError(Exception):
    """A step of the drill could not run (as opposed to a check that failed)."""


@dataclass
class Report:
    lines: list[tuple[bool, str, str]] = field(default_factory=list)
    out: Callable[[str], None] = print

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.lines.append((ok, name, detail))
        self.out(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""))
        return ok

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(ok for ok, _, _ in self.lines)

    @property
    def failures(self) -> list[str]:
        return [f"{name}: {detail}" for ok, name, detail in self.lines if not ok]


@dataclass(frozen=True)
class Role:
    """A database role to act as: the URL to sign in with, and a SET ROLE when that differs."""

    url: str
    name: str
    set_role: str | None = None

    def conninfo(self, dbname: str) -> str:
        """A libpq connection string for the PostgreSQL tools and psycopg."""
        return conninfo(self.url, dbname)

    def connect(self, dbname: str) -> psycopg.Connection:
        conn = psycopg.connect(self.conninfo(dbname), autocommit=True)
        if self.set_role:
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self.set_role)))
        return conn

    def django_url(self, dbname: str) -> str:
        """A database URL for manage.py: this role on ``dbname`` (Django runs the SET ROLE)."""
        return django_url(self.url, dbname, self.set_role)

    def tool_options(self) -> list[str]:
        return [f"--role={self.set_role}"] if self.set_role else []


@dataclass
class Drill:
    source: str
    target: str
    owner: Role
    # None when one role both owns and serves (a DATABASE_URL without DATABASE_OWNER_URL).
    serving: Role | None
    superuser: bool


def django_url(server_url: str, dbname: str, role: str | None) -> str:
    """DATABASE_URL for manage.py: the same server, another database, acting as ``role``."""
    parts = urlsplit(server_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "assume_role"]
    if role:
        query.append(("assume_role", role))  # Django runs SET ROLE on every connection
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", urlencode(query), ""))


def conninfo(server_url: str, dbname: str) -> str:
    """A libpq connection string for the PostgreSQL tools and psycopg."""
    parts = urlsplit(server_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "assume_role"]
    plain = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return make_conninfo(plain, dbname=dbname)


def client_binary(name: str, server_version: int) -> str:
    """pg_dump / pg_restore of the server's major version (or newer), as bin/devdb finds them."""
    major = server_version // 10000
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    for path in candidates:
        if path.parent.parent.name.isdigit() and int(path.parent.parent.name) >= major:
            return str(path)
    found = shutil.which(name)
    if found:
        return found
    raise DrillError(
        f"{name} for PostgreSQL {major} not found: sudo apt-get install -y postgresql-client"
    )


def run(command: list[str], *, env: dict[str, str] | None = None, check: bool = True) -> str:
    # A fixed argument list (our manage.py, the PostgreSQL tools), never a shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        shown = " ".join(command[:3])
        raise DrillError(f"{shown} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout


def manage(
    drill: Drill, dbname: str, *args: str, check: bool = True, witness: Path | None = None
) -> str:
    """manage.py on ``dbname``, serving as the serving role, with the owner for migrate."""
    serving = drill.serving or drill.owner
    env = {
        **os.environ,
        "DATABASE_URL": serving.django_url(dbname),
        "DATABASE_OWNER_URL": drill.owner.django_url(dbname),
        "DEMO_MODE": "true",
    }
    if witness is not None:
        env["AUDIT_WITNESS_PATH"] = str(witness)
    return run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=check)


def verify_audit(drill: Drill, dbname: str, *args: str, witness: Path | None = None) -> dict:
    """verify_audit --json; it prints its result also when it exits 1."""
    output = manage(drill, dbname, "verify_audit", "--json", *args, check=False, witness=witness)
    try:
        return json.loads(output.strip().splitlines()[-1])
    except (IndexError, ValueError) as exc:
        raise DrillError(f"verify_audit printed no result: {output!r}") from exc


def whoami(url: str) -> tuple[str, bool, int]:
    """The role ``url`` signs in as, whether it is a superuser, and the server's version."""
    with psycopg.connect(conninfo(url, "postgres")) as conn:
        name, superuser = conn.execute(
            "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        version = conn.execute("SHOW server_version_num").fetchone()[0]
    return name, superuser, int(version)


@contextmanager
def throwaway(serving_url: str, owner_url: str, *, out: Callable[[str], None]) -> Iterator[Drill]:
    """A source and a target database owned by the owner; all dropped at the end.

    On a superuser's server, throw-away owner and serving roles that are not superusers (so
    privileges mean something); otherwise the owner and serving roles of the two URLs.
    """
    token = secrets.token_hex(4)
    owner_name, superuser, _ = whoami(owner_url)
    made_roles: list[str] = []
    if superuser:
        owner = Role(
            owner_url, f"childindex_drill_{token}_owner", f"childindex_drill_{token}_owner"
        )
        serving: Role | None = Role(
            owner_url, f"childindex_drill_{token}_app", f"childindex_drill_{token}_app"
        )
        made_roles = [owner.name, serving.name]
    else:
        owner = Role(owner_url, owner_name)
        serving_name = whoami(serving_url)[0]
        serving = Role(serving_url, serving_name) if serving_name != owner_name else None
    drill = Drill(
        source=f"childindex_drill_{token}_source",
        target=f"childindex_drill_{token}_target",
        owner=owner,
        serving=serving,
        superuser=superuser,
    )
    with psycopg.connect(conninfo(owner_url, "postgres"), autocommit=True) as admin:
        for role in made_roles:
            admin.execute(
                sql.SQL("CREATE ROLE {} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
                    sql.Identifier(role)
                )
            )
        try:
            for name in (drill.source, drill.target):
                admin.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(name), sql.Identifier(owner.name)
                    )
                )
            yield drill
        finally:
            for name in (drill.source, drill.target):
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            for role in made_roles:
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            out("Dropped the throw-away databases" + (" and roles." if made_roles else "."))


def row_counts(conn: psycopg.Connection) -> dict[str, int]:
    tables = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
    ).fetchall()
    return {
        name: conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
        ).fetchone()[0]
        for (name,) in tables
    }


def ownership_and_grants(conn: psycopg.Connection) -> set[tuple]:
    """Owner and every ACL entry of every table and sequence in the public schema."""
    return set(
        conn.execute(
            "SELECT c.relname, c.relkind, c.relowner::regrole::text, a.grantor::regrole::text,"
            " CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,"
            " a.privilege_type, a.is_grantable"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN LATERAL aclexplode(c.relacl) a ON true"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
        ).fetchall()
    )


def audit_grants(conn: psycopg.Connection) -> set[tuple]:
    return set(
        conn.execute(
            "SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants"
            " WHERE table_schema = 'public' AND table_name = ANY(%s)",
            [list(AUDIT_TABLES)],
        ).fetchall()
    )


def role_privileges(conn: psycopg.Connection, role: str) -> dict[tuple[str, str], bool]:
    return {
        (table, privilege): conn.execute(
            "SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege]
        ).fetchone()[0]
        for table in AUDIT_TABLES
        for privilege in PRIVILEGES
    }


def triggers(conn: psycopg.Connection) -> set[tuple]:
    return set(
        conn.execute(
            "SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND NOT t.tgisinternal"
        ).fetchall()
    )


def refusal(conn: psycopg.Connection, *statements: sql.Composable) -> str | None:
    """The error that refused the statements, or None if they went through (rolled back)."""
    try:
        with conn.transaction(force_rollback=True):
            for statement in statements:
                conn.execute(statement)
    except psycopg.Error as exc:
        return str(exc).splitlines()[0]
    return None


def check_serving_role(report: Report, owner: psycopg.Connection, role: str) -> None:
    """The serving role is no superuser, owns no table and is no member of their owner."""
    superuser, owned, member = owner.execute(
        "SELECT r.rolsuper,"
        " (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid"
        "  AND c.relnamespace = 'public'::regnamespace),"
        " pg_has_role(r.oid, (SELECT relowner FROM pg_class"
        "  WHERE oid = 'audit_auditevent'::regclass), 'USAGE')"
        " FROM pg_roles r WHERE r.rolname = %s",
        [role],
    ).fetchone()
    report.check(
        "serving role is no superuser and owns no table",
        not superuser and owned == 0 and not member,
        f"superuser {superuser}, owns {owned} table(s), member of the owner {member}",
    )


def check_append_only(
    report: Report, owner: psycopg.Connection, serving: psycopg.Connection | None
) -> None:
    for table in AUDIT_TABLES:
        name = sql.Identifier(table)
        rows = owner.execute(sql.SQL("SELECT count(*) FROM {}").format(name)).fetchone()[0]
        # Row triggers fire only for rows: an empty table would prove nothing.
        report.check(f"{table} has rows to attack", rows > 0, f"{rows} row(s)")
        statements = {
            "UPDATE": sql.SQL("UPDATE {} SET id = id").format(name),
            "DELETE": sql.SQL("DELETE FROM {}").format(name),
            "TRUNCATE": sql.SQL("TRUNCATE {} CASCADE").format(name),
        }
        # Even the owner, having given itself back every privilege, meets the trigger.
        take_back = sql.SQL("GRANT UPDATE, DELETE, TRUNCATE ON {} TO CURRENT_USER").format(name)
        for verb, statement in statements.items():
            error = refusal(owner, take_back, statement)
            report.check(
                f"{verb} on {table} refused by the trigger",
                error is not None and "append-only" in error,
                error or "the statement went through",
            )
            if serving is not None:
                error = refusal(serving, statement)
                report.check(
                    f"{verb} on {table} refused for the serving role",
                    error is not None and "permission denied" in error,
                    error or "the statement went through",
                )
        if serving is not None:
            error = refusal(serving, sql.SQL("ALTER TABLE {} DISABLE TRIGGER ALL").format(name))
            report.check(
                f"the serving role cannot switch off the triggers on {table}",
                error is not None and "must be owner" in error,
                error or "the statement went through",
            )


def run_drill(
    serving_url: str,
    owner_url: str | None = None,
    *,
    children: int = 2000,
    out: Callable[[str], None] = print,
    after_restore: Callable[[str, str | None], None] | None = None,
) -> Report:
    """Run the whole drill on the server of the two URLs; return the report.

    ``owner_url`` defaults to ``serving_url`` (one role for both). ``after_restore`` is
    called with the target's connection string (as the owner, or the superuser) and the
    serving role before the checks (the tests use it to damage a restore and see the drill
    notice).
    """
    report = Report(out=out)
    owner_url = owner_url or serving_url
    version = whoami(owner_url)[2]
    pg_dump = client_binary("pg_dump", version)
    pg_restore = client_binary("pg_restore", version)
    out(f"Server: PostgreSQL {version}; {pg_dump}")

    with throwaway(serving_url, owner_url, out=out) as drill, tempfile.TemporaryDirectory() as tmp:
        owner, serving = drill.owner, drill.serving
        out(
            f"Source {drill.source}, target {drill.target}, owner {owner.name},"
            f" serving role {serving.name if serving else owner.name}"
        )
        # The audit witness lives outside the database: the restored target meets the same file.
        witness = Path(tmp) / "audit-witness.jsonl"

        manage(drill, drill.source, "migrate", "--no-input", "-v", "0")
        manage(drill, drill.source, "seed_demo", "--children", str(children))
        manage(drill, drill.source, "shell", "-c", WRITE_EVENTS)
        time.sleep(SEAL_SETTLE_SECONDS)
        manage(drill, drill.source, "seal_audit", witness=witness)
        source_audit = verify_audit(drill, drill.source, "--no-seal", witness=witness)
        head = f"{source_audit['head']['position']}:{source_audit['head']['hash']}"
        report.check(
            "source audit chain verifies",
            source_audit["ok"] and source_audit["unsealed"] == 0,
            f"{source_audit['checked']} event(s) sealed, head {head}",
        )

        dump = Path(tmp) / "childindex.dump"
        run(
            [pg_dump, "--format=custom", f"--file={dump}", *owner.tool_options()]
            + [f"--dbname={owner.conninfo(drill.source)}"]
        )
        out(f"Dumped the source: {dump.stat().st_size:,} bytes")
        run(
            [pg_restore, "--exit-on-error", *owner.tool_options()]
            + [f"--dbname={owner.conninfo(drill.target)}", str(dump)]
        )
        out(f"Restored into the target as {owner.name}")
        if after_restore is not None:
            after_restore(owner.conninfo(drill.target), serving.name if serving else None)

        with owner.connect(drill.source) as src, owner.connect(drill.target) as tgt:
            src_counts, tgt_counts = row_counts(src), row_counts(tgt)
            differing = sorted(
                f"{table} {src_counts.get(table)} -> {tgt_counts.get(table)}"
                for table in set(src_counts) | set(tgt_counts)
                if src_counts.get(table) != tgt_counts.get(table)
            )
            report.check(
                "row counts equal in every table",
                not differing,
                "; ".join(differing)
                or f"{len(src_counts)} tables, {sum(src_counts.values()):,} rows",
            )
            src_triggers, tgt_triggers = triggers(src), triggers(tgt)
            report.check(
                "triggers identical",
                src_triggers == tgt_triggers,
                _difference(src_triggers, tgt_triggers) or f"{len(src_triggers)} trigger(s)",
            )
            src_acl, tgt_acl = ownership_and_grants(src), ownership_and_grants(tgt)
            report.check(
                "owners and grants identical on every table and sequence",
                src_acl == tgt_acl,
                _difference(src_acl, tgt_acl) or f"{len(src_acl)} entries",
            )
            src_grants, tgt_grants = audit_grants(src), audit_grants(tgt)
            report.check(
                "information_schema.role_table_grants identical on the audit tables",
                src_grants == tgt_grants,
                _difference(src_grants, tgt_grants) or f"{len(src_grants)} grant(s)",
            )
            if serving is not None:
                src_priv = role_privileges(src, serving.name)
                tgt_priv = role_privileges(tgt, serving.name)
                wrong = sorted(
                    f"{privilege} on {table}"
                    for (table, privilege), held in tgt_priv.items()
                    if held != (privilege not in REFUSED)
                )
                report.check(
                    "serving role privileges on the audit tables as before",
                    src_priv == tgt_priv and not wrong,
                    ("unexpected: " + ", ".join(wrong))
                    if wrong
                    else "SELECT, INSERT only; UPDATE, DELETE, TRUNCATE revoked",
                )
                check_serving_role(report, tgt, serving.name)
                with serving.connect(drill.target) as as_serving:
                    check_append_only(report, tgt, as_serving)
            else:
                check_append_only(report, tgt, None)

        target_audit = verify_audit(
            drill, drill.target, "--no-seal", "--expect-head", head, witness=witness
        )
        target_head = f"{target_audit['head']['position']}:{target_audit['head']['hash']}"
        report.check(
            "verify_audit --expect-head passes on the target",
            target_audit["ok"] and target_head == head,
            f"head {target_head}"
            + "".join(f"; {p['kind']}: {p['detail']}" for p in target_audit["problems"]),
        )
        check_restore_behind_witness(report, drill, witness)
    return report


def check_restore_behind_witness(report: Report, drill: Drill, witness: Path) -> None:
    """The source seals more after the backup: the witness is now ahead of the restored target,
    which verify_audit must refuse until told it is a restore, and then count what was lost."""
    manage(drill, drill.source, "shell", "-c", WRITE_EVENTS)
    time.sleep(SEAL_SETTLE_SECONDS)
    manage(drill, drill.source, "seal_audit", witness=witness)
    refused = verify_audit(drill, drill.target, "--no-seal", witness=witness)
    report.check(
        "verify_audit refuses a restore behind the audit witness",
        not refused["ok"] and any(p["kind"] == "truncated" for p in refused["problems"]),
        "; ".join(f"{p['kind']}: {p['detail']}" for p in refused["problems"])[:300] or "it passed",
    )
    accepted = verify_audit(drill, drill.target, "--restored-from-backup", witness=witness)
    lost = accepted["witness"]
    report.check(
        "verify_audit --restored-from-backup accepts it and counts what the restore lost",
        accepted["ok"] and lost["missing_events"] > 0,
        f"{lost['missing_blocks']} block(s), {lost['missing_events']} sealed event(s) lost"
        + "".join(f"; {p['kind']}: {p['detail']}" for p in accepted["problems"]),
    )


def _difference(source: set, target: set) -> str:
    missing = sorted(map(str, source - target))[:5]
    extra = sorted(map(str, target - source))[:5]
    parts = ([f"missing in target: {', '.join(missing)}"] if missing else []) + (
        [f"only in target: {', '.join(extra)}"] if extra else []
    )
    return "; ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=2000, help="demo children to create")
    args = parser.parse_args()
    serving_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    owner_url = os.environ.get("DATABASE_OWNER_URL") or serving_url
    try:
        report = run_drill(serving_url, owner_url, children=args.children)
    except (DrillError, psycopg.Error) as exc:
        print(f"FAIL  the drill could not complete: {exc}", file=sys.stderr)
        return 1
    if report.ok:
        print("Restore drill passed.")
        return 0
    print(f"Restore drill FAILED: {len(report.failures)} check(s):", file=sys.stderr)
    for failure in report.failures:
        print(f"  {failure}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
