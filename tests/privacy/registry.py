"""Every action that produces text for another person, and every place a person reads it.

The leak sweep (test_leak_sweep.py) runs each ACTION in order on one world, collecting what
each persona receives from it (the notifications and emails it caused, the pages, CSV and
API answers it returned), then runs each READER for every persona. A new surface joins the
sweep by adding an entry here; `test_every_producer_of_outbound_text_is_in_the_sweep`
fails while a function in the source tree sends mail, notifies followers, writes CSV or
answers the API without being named in some entry's ``covers`` (or in EXEMPT, with why).
"""

import csv
import datetime
import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from feeds.importing import COLUMNS
from feeds.models import ReviewItem, ReviewStatus
from involvements.models import Involvement
from lookups.models import MediatedLookup
from notifications.models import Notification
from tests.privacy.world import TODAY, World


@dataclass(frozen=True)
class Received:
    """One text a persona received: where it came from, on which surface, and the words."""

    persona: str
    surface: str
    text: str
    source: str = ""
    about: str = ""  # the child a notification is about (public id), when known
    after_all: bool = False  # read once every action had run


Run = Callable[[World], list[Received]]


@dataclass(frozen=True)
class Entry:
    name: str
    run: Run
    covers: tuple[str, ...]


def _response_text(response: HttpResponse) -> str:
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8", "replace")
    return f"{response.status_code} {response.get('Location', '')}\n{body}"


def _said(persona: str, surface: str, response: HttpResponse) -> Received:
    return Received(persona, surface, _response_text(response))


def _date(prefix: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def _api(world: World, method: str, path: str, body: dict) -> HttpResponse:
    return getattr(Client(), method)(
        path,
        json.dumps(body, default=str),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world.token}",
    )


def _open_record(client: Client, child_id: str) -> HttpResponse:
    url = reverse("records:child", args=[child_id])
    client.post(url, {"reason": "coordination"})
    return client.get(url)


# ---------------------------------------------------------------- actions


def follow(world: World) -> list[Received]:
    """An ordinary practitioner asks to follow both children."""
    client = world.web("prac")
    return [
        _said("prac", f"follow {child.given_name}", client.post(url, {"follow": "yes"}))
        for child in (world.maisie, world.carol)
        for url in [reverse("notifications:follow", args=[child.public_id])]
    ]


def _join(world: World, child, service: str, role: str) -> HttpResponse:
    return world.web("joiner").post(
        reverse("involvements:join", args=[child.public_id]),
        {
            "service": world.services[service].pk,
            "role": role,
            **_date("start_date", TODAY),
            "phone": "07700 900600",
            "email": "jory@lantern.example",
            "follow": "on",
        },
    )


def join(world: World) -> list[Received]:
    """A youth worker records "I am now working with this child" for both children, and
    tries again for Maisie (an error message)."""
    return [
        _said(
            "joiner", "join Maisie", _join(world, world.maisie, "lantern", "Refuge outreach worker")
        ),
        _said("joiner", "join Carol", _join(world, world.carol, "opendoor", "Youth worker")),
        _said(
            "joiner",
            "join Maisie again (refused)",
            _join(world, world.maisie, "lantern", "Refuge outreach worker"),
        ),
    ]


def end(world: World) -> list[Received]:
    """The youth worker ends their involvement with Maisie."""
    mine = Involvement.objects.get(
        child=world.maisie, practitioner__user=world.personas["joiner"].user
    )
    response = world.web("joiner").post(
        reverse("involvements:end", args=[mine.public_id]), _date("end_date", TODAY)
    )
    return [_said("joiner", "end Maisie", response)]


def _lead(world: World, persona: str, child, involvement: str) -> Received:
    response = world.web(persona).post(
        reverse("caf:lead", args=[child.public_id]),
        {
            "involvement": str(world.involvements[involvement].public_id),
            "basis": "priority_need",
        },
    )
    return _said(persona, f"lead professional for {child.given_name}", response)


def lead_assign(world: World) -> list[Received]:
    """The index team makes Maisie's family support worker her lead professional, and
    Carol's form tutor hers."""
    return [
        _lead(world, "colleague", world.maisie, "maisie family support"),
        _lead(world, "colleague", world.carol, "carol school"),
    ]


def lead_change(world: World) -> list[Received]:
    """The index team moves Maisie's lead professional to her class teacher."""
    return [_lead(world, "colleague", world.maisie, "maisie school")]


def _caf(world: World, persona: str, child, holder: str) -> Received:
    response = world.web(persona).post(
        reverse("caf:record", args=[child.public_id]),
        {
            "holder": str(world.involvements[holder].public_id),
            "status": "in_progress",
            **_date("started_on", TODAY),
        },
    )
    return _said(persona, f"CAF for {child.given_name}", response)


def caf_page(world: World) -> list[Received]:
    """CAF status recorded on the page (Maisie's by the index team: only they can)."""
    return [
        _caf(world, "colleague", world.maisie, "maisie school"),
        _caf(world, "joiner", world.carol, "carol school"),
    ]


def _involvement_body(child, service: str, name: str, phone: str, **extra: object) -> dict:
    return {
        "child_id": str(child.public_id),
        "service_code": service.upper().replace(" ", "-"),
        "service_name": service,
        "service_type": "voluntary",
        "practitioner_name": name,
        "practitioner_role": "Family support worker",
        "practitioner_phone": phone,
        "start_date": (TODAY - datetime.timedelta(days=3)).isoformat(),
        **extra,
    }


def api_involvements(world: World) -> list[Received]:
    """A case management system reports involvements: a new one for Maisie (then its end),
    a new one for Carol, and one about another organisation's service (an error)."""
    maisie = _involvement_body(world.maisie, "Beacon Family Hub", "Idris Beacon", "07700 900127")
    calls = [
        ("EXT-M1", maisie),
        (
            "EXT-C1",
            _involvement_body(world.carol, "Kestrel Mentoring", "Kit Kestrel", "07700 900700"),
        ),
        ("EXT-M1", {**maisie, "end_date": TODAY.isoformat()}),
        (
            "EXT-M2",
            {**maisie, "service_code": world.services["sunnyhill"].code, "service_name": "x"},
        ),
    ]
    return [
        Received(
            "client",
            f"PUT {ref}",
            _response_text(_api(world, "put", f"/api/v1/involvements/{ref}", body)),
        )
        for ref, body in calls
    ]


def api_caf(world: World) -> list[Received]:
    """The system reports Maisie's CAF as completed, then names a holder it does not own."""
    path = f"/api/v1/children/{world.maisie.public_id}/caf"
    body = {
        "status": "completed",
        "started_on": TODAY.isoformat(),
        "completed_on": TODAY.isoformat(),
        "holder_involvement_id": "EXT-M1",
    }
    return [
        Received("client", "PUT caf", _response_text(_api(world, "put", path, body))),
        Received(
            "client",
            "PUT caf (refused)",
            _response_text(_api(world, "put", path, {**body, "holder_involvement_id": "nope"})),
        ),
    ]


def api_search(world: World) -> list[Received]:
    """The system searches for Maisie by name, and by her postcode."""
    searches = [
        {
            "given_name": "Maisie",
            "family_name": "Hollowell",
            "birth_year": world.maisie.date_of_birth.year,
        },
        {"given_name": "Maisie", "postcode": "ZZ9 9ZZ"},
    ]
    return [
        Received(
            "client",
            "POST search",
            _response_text(_api(world, "post", "/api/v1/children/search", body)),
        )
        for body in searches
    ]


def import_records(world: World) -> list[Received]:
    """A school MIS file: Maisie (held for review, a shielded child is never linked
    automatically) and Carol (linked), each with a new involvement."""
    folder = Path(world.state["tmp_path"])
    rows = [
        {
            "source_id": "M1",
            "given_name": "Maisie",
            "family_name": "Hollowell",
            "date_of_birth": world.maisie.date_of_birth.isoformat(),
            "gender": "F",
            "service_code": "COMPASS-1",
            "service_name": "Compass Point Tutoring",
            "service_type": "other",
            "practitioner_name": "Tamsin Compass",
            "practitioner_role": "Tutor",
            "practitioner_phone": "07700 900128",
            "involvement_start": (TODAY - datetime.timedelta(days=2)).isoformat(),
        },
        {
            "source_id": "C1",
            "given_name": "Carol",
            "family_name": "Openshaw",
            "date_of_birth": world.carol.date_of_birth.isoformat(),
            "gender": "F",
            "service_code": "WREN-1",
            "service_name": "Wren Reading Club",
            "service_type": "voluntary",
            "practitioner_name": "Wendy Wren",
            "practitioner_role": "Reading volunteer",
            "involvement_start": (TODAY - datetime.timedelta(days=2)).isoformat(),
        },
    ]
    feed, report = folder / "feed.csv", folder / "report.csv"
    with feed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({column: row.get(column, "") for column in COLUMNS} for row in rows)
    out = io.StringIO()
    call_command(
        "import_records", str(feed), "--source", "sweep-mis", "--report", str(report), stdout=out
    )
    return [
        Received("operator", "import_records output", out.getvalue()),
        Received("operator", "import report CSV", report.read_text(encoding="utf-8")),
    ]


def review_link(world: World) -> list[Received]:
    """The index team links the held row to Maisie: its involvement is recorded."""
    item = ReviewItem.objects.get(source="sweep-mis", source_id="M1", status=ReviewStatus.OPEN)
    response = world.web("colleague").post(
        reverse("feeds:review_decide", args=[item.public_id]), {"decision": "link"}
    )
    return [_said("colleague", "review decision", response)]


def sensitive_end(world: World) -> list[Received]:
    """The sexual-health nurse ends her involvement with Carol."""
    clinic = world.involvements["carol clinic"]
    response = world.web("clinician").post(
        reverse("involvements:end", args=[clinic.public_id]), _date("end_date", TODAY)
    )
    return [_said("clinician", "end Carol's clinic", response)]


def withdraw_consent(world: World) -> list[Received]:
    """Carol withdraws her consent: the clinic must vanish from every view at once."""
    clinic = world.involvements["carol clinic"]
    response = world.web("sens").post(
        reverse("involvements:withdraw_consent", args=[clinic.public_id]),
        {"note": "Carol told the nurse by phone today"},
    )
    return [_said("sens", "withdraw consent", response)]


CALL = {
    "caller_name": "Jo Caller",
    "caller_role": "Adult mental-health worker",
    "caller_organisation": "Adult Mental Health Trust",
    "caller_phone": "020 7946 0999",
    "identity_check": "call_back",
    "purpose": "My client is Maisie's mother; I need to know who supports the family",
    "child_description": "Maisie Hollowell, 10",
    "consent": "obtained",
    "consent_detail": "Mother agreed on the phone today",
    "urgency": "routine",
}


def lookup(world: World) -> list[Received]:
    """A practitioner asks the index team about Maisie; the index team takes a call about
    her, tries to disclose her school (refused), brokers contact instead and closes."""
    asked = world.web("prac").post(
        reverse("lookups:ask"),
        {
            "child_description": "Maisie Hollowell, 10",
            "purpose": "She may be joining our school",
            "consent": "obtained",
            "consent_detail": "Mother, today",
            "urgency": "routine",
        },
    )
    client = world.web("index")
    client.post(reverse("lookups:new"), CALL)
    lookup = MediatedLookup.objects.get(caller_name="Jo Caller")
    _open_record(client, world.maisie.public_id)
    url = reverse("lookups:close", args=[lookup.public_id])
    school = world.involvements["maisie school"]
    refused = client.post(
        url,
        {
            "child": str(world.maisie.public_id),
            "outcome": "disclosed",
            "disclosed": [str(school.public_id)],
        },
    )
    closed = client.post(
        url,
        {
            "child": str(world.maisie.public_id),
            "outcome": "brokered",
            "note": "The index team will ask the practitioners to call Jo back",
        },
    )
    world.state["lookup"] = lookup.public_id
    summary = client.get(reverse("lookups:summary", args=[lookup.public_id]))
    return [
        _said("prac", "ask the index team", asked),
        _said("index", "disclose Maisie's school (refused)", refused),
        _said("index", "close the lookup", closed),
        # The summary is exactly what the caller was told.
        _said("caller", "lookup summary", summary),
    ]


def break_glass(world: World) -> list[Received]:
    """The override holder breaks the glass on Maisie (the index team is emailed) and
    opens the one full view it allows: that view is theirs by right, so it is checked
    here and not collected; every later view (the readers') is the minimal one again."""
    client = world.web("override")
    response = client.post(
        reverse("records:break_glass", args=[world.maisie.public_id]),
        {"reason": "Police report a risk to Maisie tonight", "understood": "on"},
    )
    one_view = client.get(reverse("records:child", args=[world.maisie.public_id]))
    assert b'data-testid="broke-glass"' in one_view.content
    return [_said("override", "break the glass", response)]


ACTIONS = [
    Entry("follow", follow, ("notifications.views.follow", "notifications.services.follow_set")),
    Entry(
        "join (page)",
        join,
        (
            "involvements.views.join",
            "involvements.services.involvement_join",
            "involvements.services.involvement_followers_notify",
            "notifications.services.followers_notify",
        ),
    ),
    Entry("end (page)", end, ("involvements.views.end", "involvements.services.involvement_end")),
    Entry(
        "lead professional assigned",
        lead_assign,
        ("caf.views.assign_lead", "caf.services.lead_professional_assign"),
    ),
    Entry("lead professional changed", lead_change, ("caf.services.lead_professional_assign",)),
    Entry("CAF recorded (page)", caf_page, ("caf.views.record_caf", "caf.services.caf_record")),
    Entry(
        "involvements PUT (API)",
        api_involvements,
        ("feeds.api.InvolvementPut.put", "feeds.importing.involvement_upsert"),
    ),
    Entry("CAF PUT (API)", api_caf, ("feeds.api.CafReport.put",)),
    Entry("search (API)", api_search, ("feeds.api.ChildSearch.post",)),
    Entry(
        "import_records",
        import_records,
        (
            "feeds.management.commands.import_records.Command.handle",
            "feeds.pipeline.import_file",
            "feeds.pipeline._notify_followers",
            "feeds.importing.report_writer",
        ),
    ),
    Entry("feed review linked", review_link, ("feeds.views.decide", "feeds.review.review_decide")),
    Entry("sensitive involvement ended", sensitive_end, ("involvements.services.involvement_end",)),
    Entry(
        "consent withdrawn",
        withdraw_consent,
        (
            "involvements.views.withdraw_consent",
            "involvements.services.involvement_consent_withdraw",
        ),
    ),
    Entry(
        "mediated lookup",
        lookup,
        (
            "lookups.views.ask",
            "lookups.services.lookup_request",
            "lookups.views.close",
            "lookups.services.lookup_close",
            "lookups.views.summary",
        ),
    ),
    Entry(
        "break the glass",
        break_glass,
        ("records.views.break_glass", "records.services.break_glass_grant"),
    ),
]


# ---------------------------------------------------------------- readers (after every action)

Read = Callable[[World, str], list[Received]]


@dataclass(frozen=True)
class Reader:
    name: str
    read: Read
    covers: tuple[str, ...]


def _get(world: World, persona: str, surface: str, path: str, **query: str) -> Received:
    return _said(persona, surface, world.web(persona).get(path, query))


def notification_rows(world: World, persona: str) -> list[Received]:
    user = world.personas[persona].user
    if user is None:
        return []
    return [
        Received(persona, "notification", note.message, about=str(note.child.public_id))
        for note in Notification.objects.filter(recipient=user).select_related("child")
    ]


ENTRY = re.compile(r'<li [^>]*data-testid="notification">(.*?)<br>', re.S)
TAG = re.compile(r"<[^>]+>")


def notification_page(world: World, persona: str) -> list[Received]:
    if world.web(persona) is None:
        return []
    page = _get(world, persona, "notifications page", reverse("notifications:list"))
    entries = [
        html.unescape(re.sub(r"^New\s+", "", TAG.sub("", entry)).strip())
        for entry in ENTRY.findall(page.text)
    ]
    assert len(entries) == page.text.count('data-testid="notification"')
    maisie = str(world.maisie.public_id)
    return [page] + [
        Received(
            persona,
            "notifications page entry",
            entry,
            about=maisie if "Maisie Hollowell" in entry else "",
        )
        for entry in entries
    ]


def record_pages(world: World, persona: str) -> list[Received]:
    client = world.web(persona)
    if client is None:
        return []
    found = []
    for child in (world.maisie, world.carol):
        response = _open_record(client, child.public_id)
        # Those who may search see the record itself, not the question why.
        assert response.status_code == 404 or b'data-testid="identity"' in response.content
        found.append(_said(persona, f"{child.given_name}'s record page", response))
    return found


def figures(world: World, persona: str) -> list[Received]:
    if world.web(persona) is None:
        return []
    path = reverse("reports:dashboard")
    return [
        _get(world, persona, "figures", path),
        _get(world, persona, "figures CSV", path, format="csv"),
    ]


def subject_access(world: World, persona: str) -> list[Received]:
    if world.web(persona) is None:
        return []
    found = []
    for child in (world.maisie, world.carol):
        path = reverse("reports:subject_access", args=[child.public_id])
        found += [
            _get(world, persona, f"subject access for {child.given_name}", path),
            _get(world, persona, f"subject access CSV for {child.given_name}", path, format="csv"),
        ]
    return found


def audit_pages(world: World, persona: str) -> list[Received]:
    if world.web(persona) is None:
        return []
    return [
        _get(world, persona, "audit events", reverse("audit:events")),
        _get(world, persona, "audit CSV", reverse("audit:export")),
        _get(
            world,
            persona,
            "who has accessed Maisie",
            reverse("audit:child", args=[world.maisie.public_id]),
        ),
    ]


def coordination(world: World, persona: str) -> list[Received]:
    if world.web(persona) is None:
        return []
    return [_get(world, persona, "coordination worklist", reverse("caf:worklist"))]


def lookup_pages(world: World, persona: str) -> list[Received]:
    if world.web(persona) is None or "lookup" not in world.state:
        return []
    public_id = world.state["lookup"]
    return [
        _get(world, persona, "lookup", reverse("lookups:detail", args=[public_id])),
        _get(world, persona, "lookup summary", reverse("lookups:summary", args=[public_id])),
    ]


READERS = [
    Reader("notifications", notification_rows, ("notifications.models.Notification",)),
    Reader("notifications page", notification_page, ("notifications.views.notification_list",)),
    Reader("record pages", record_pages, ("records.views.child_detail",)),
    Reader("figures", figures, ("reports.views.dashboard", "reports.figures.figures")),
    Reader("subject access", subject_access, ("reports.views.subject_access",)),
    Reader(
        "audit pages",
        audit_pages,
        ("audit.views.event_search", "audit.views.export", "audit.views.child_access"),
    ),
    Reader("coordination worklist", coordination, ("caf.views.worklist",)),
    Reader("lookup pages", lookup_pages, ("lookups.views.detail", "lookups.views.summary")),
]

# Producers of outbound text that say nothing about any child, with why.
EXEMPT = {
    "accounts.lifecycle.account_authorise": "the new user's own account email: no child",
    "accounts.management.commands.expire_access.Command._warn": "a user's own vetting expiry: "
    "no child",
    "childindex.errors.server_error": "a fixed 500/503 message and the request id only",
    "childindex.health.live": "health check: no personal data",
    "childindex.health.ready": "health check: no personal data",
}
