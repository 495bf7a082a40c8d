"""The leak sweep: no role receives, by any surface, what its own record view would not show.

One world (tests/privacy/world.py), every action from one registry (registry.py) in order,
everything each persona receives collected (notifications, emails, pages, CSV, API answers,
error messages), and every hidden value looked for in what each persona may not see.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from tests.privacy.registry import ACTIONS, EXEMPT, READERS, Received
from tests.privacy.world import FACTS, MUST_RECEIVE, SHIELDED, SHIELDED_NOTICE, World, build_world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(tmp_path) -> World:
    built = build_world()
    built.state["tmp_path"] = str(tmp_path)
    return built


def _contains(text: str, value: str) -> bool:
    """The value as a whole (not inside a longer word, a token or an id)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text) is not None


def _caused(world: World, source: str, since_note: int, since_mail: int) -> list[Received]:
    """The notifications and emails an action caused, as each recipient received them."""
    found = [
        Received(
            world.persona_for_user(note.recipient_id),
            "notification",
            note.message,
            source,
            about=str(note.child.public_id),
        )
        for note in Notification.objects.filter(pk__gt=since_note).select_related("child")
    ]
    for message in mail.outbox[since_mail:]:
        for address in [*message.to, *message.cc, *message.bcc]:
            text = f"{message.subject}\n{message.body}"
            found.append(Received(world.persona_for_email(address), "email", text, source))
    return found


def _sweep(world: World, capture) -> tuple[list[Received], list[str]]:
    received: list[Received] = []
    silent: list[str] = []
    for action in ACTIONS:
        since_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        since_mail = len(mail.outbox)
        with capture(execute=True):
            direct = action.run(world)
        caused = _caused(world, action.name, since_note, since_mail)
        got = [
            Received(item.persona, item.surface, item.text, action.name, item.about)
            for item in direct
        ] + caused
        if not got:
            silent.append(action.name)
        received += got
    for reader in READERS:
        for persona in world.personas:
            received += [
                Received(item.persona, item.surface, item.text, reader.name, item.about, True)
                for item in reader.read(world, persona)
            ]
    return received, silent


def _leaks(world: World, received: list[Received]) -> list[str]:
    found = []
    maisie = str(world.maisie.public_id)
    for item in received:
        persona = world.personas.get(item.persona)
        clearances = persona.clearances if persona else frozenset()
        for fact in FACTS:
            if fact.after_withdrawal and not item.after_all:
                continue
            if fact.clearance in clearances or item.persona in fact.owners:
                continue
            for value in fact.values:
                if _contains(item.text, value):
                    found.append(
                        f"{item.source}: {item.persona} received {fact.name} ({value!r}) "
                        f"in {item.surface}"
                    )
        told_of_maisie = item.about == maisie and item.surface.startswith("notification")
        if told_of_maisie and SHIELDED not in clearances and item.text != SHIELDED_NOTICE:
            found.append(
                f"{item.source}: {item.persona} was told more than that something changed for "
                f"shielded Maisie in a {item.surface}: {item.text!r}"
            )
    return sorted(set(found))


def test_no_role_receives_by_any_surface_what_its_record_view_would_not_show(
    world, django_capture_on_commit_callbacks
):
    received, silent = _sweep(world, django_capture_on_commit_callbacks)

    leaks = _leaks(world, received)
    assert not leaks, "Leaks:\n" + "\n".join(leaks)
    assert not silent, f"These actions produced no text at all: {silent}"
    missing = [
        (persona, value)
        for persona, value in MUST_RECEIVE
        if not any(item.persona == persona and value in item.text for item in received)
    ]
    assert not missing, f"The sweep did not see what these personas should receive: {missing}"


# ---------------------------------------------------------------- the registry is complete

# Calls that put text in front of another person: notifying followers, email, CSV files,
# API answers.
PRODUCING_CALLS = {
    "followers_notify",
    "involvement_followers_notify",
    "send_mail",
    "send_mass_mail",
    "mail_admins",
    "mail_managers",
    "EmailMessage",
    "EmailMultiAlternatives",
    "writer",
    "DictWriter",
    "Response",
    "JsonResponse",
    "StreamingHttpResponse",
}


def _apps() -> list[Path]:
    """Every Django app of the project (a directory with apps.py), and the project package."""
    return sorted(path.parent for path in ROOT.glob("*/apps.py")) + [ROOT / "childindex"]


def _producers() -> set[str]:
    """Each function or method (outermost) in the apps that calls a producing call."""
    found: set[str] = set()
    for app in _apps():
        for path in app.rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for name, node in _definitions(tree):
                for call in ast.walk(node):
                    if isinstance(call, ast.Call) and _called(call) in PRODUCING_CALLS:
                        found.add(f"{module}.{name}")
    return found


def _definitions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", item


def _called(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _covered() -> set[str]:
    return {name for entry in [*ACTIONS, *READERS] for name in entry.covers}


def test_every_producer_of_outbound_text_is_in_the_sweep():
    producers = _producers()
    unswept = sorted(producers - _covered() - set(EXEMPT))
    assert not unswept, (
        "These functions send text to someone but no action or reader in "
        f"tests/privacy/registry.py drives them (add one, or an EXEMPT entry saying why): {unswept}"
    )
    assert "notifications.services.followers_notify" in producers  # the scan sees the source


def test_every_name_in_the_registry_exists():
    for name in sorted(_covered() | set(EXEMPT)):
        parts = name.split(".")
        for split in range(len(parts) - 1, 0, -1):
            try:
                target = importlib.import_module(".".join(parts[:split]))
            except ModuleNotFoundError:
                continue
            for part in parts[split:]:
                target = getattr(target, part, None)
            assert target is not None, f"{name} in tests/privacy/registry.py no longer exists"
            break
        else:
            pytest.fail(f"{name} in tests/privacy/registry.py names no module")


# ---------------------------------------------------------------- figures


def test_figures_name_no_sensitive_service_type_to_a_role_that_may_not_see_one(world):
    client = world.web("orgadmin")
    page = client.get(reverse("reports:dashboard")).content.decode()
    spreadsheet = client.get(reverse("reports:dashboard"), {"format": "csv"}).content.decode()
    for text in (page, spreadsheet):
        assert "Sexual health" not in text
