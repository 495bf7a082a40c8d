"""A misuse rule that needs to know children's names: views of children who share the
user's surname (the commonest misuse found in ContactPoint's audits: looking up relatives)."""

from collections import defaultdict
from collections.abc import Iterable

from accounts.models import User
from audit.alerts import Finding, Window, register_rule
from audit.models import Action, AuditEvent
from records.models import Address, AddressStatus, ChildName
from records.names import normalise_name


def shares_surname(window: Window) -> Iterable[Finding]:
    views = AuditEvent.objects.filter(
        occurred_at__gte=window.start,
        occurred_at__lt=window.end,
        action__in=[Action.RECORD_VIEW, Action.BREAK_GLASS],
        actor_id__isnull=False,
    ).values_list("id", "actor_id", "actor_username", "object_id")
    views = list(views)
    if not views:
        return []
    surnames = {
        user_id: normalise_name(last_name)
        for user_id, last_name in User.objects.filter(
            pk__in={actor for _, actor, _, _ in views}
        ).values_list("pk", "last_name")
    }
    child_names: dict[str, set[str]] = defaultdict(set)
    for public_id, family in ChildName.objects.filter(
        child__public_id__in={object_id for *_, object_id in views if object_id}
    ).values_list("child__public_id", "family_norm"):
        child_names[str(public_id)].update({family, *family.split()})
    flagged: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for event_id, actor, username, object_id in views:
        surname = surnames.get(actor, "")
        if surname and surname in child_names.get(object_id, set()):
            flagged[actor].append(event_id)
            names[actor] = username
    return [
        Finding(
            "shares_surname",
            actor,
            names[actor],
            f"Opened {len(ids)} record(s) of children with the user's own surname (now or "
            f"formerly): possibly a relative.",
            tuple(ids),
        )
        for actor, ids in flagged.items()
    ]


def other_area(window: Window) -> Iterable[Finding]:
    views = list(
        AuditEvent.objects.filter(
            occurred_at__gte=window.start,
            occurred_at__lt=window.end,
            action=Action.RECORD_VIEW,
            actor_id__isnull=False,
        ).values_list("id", "actor_id", "actor_username", "object_id")
    )
    if not views:
        return []
    organisations = {
        user.pk: user.organisation
        for user in User.objects.filter(pk__in={v[1] for v in views}).select_related("organisation")
        if user.organisation is not None and user.organisation.area_districts
    }
    districts = dict(
        (str(public_id), district)
        for public_id, district in Address.objects.filter(
            child__public_id__in={v[3] for v in views if v[3]},
            status__in=[AddressStatus.CURRENT, AddressStatus.LAST_KNOWN],
        ).values_list("child__public_id", "postcode_district")
    )
    flagged: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for event_id, actor, username, object_id in views:
        organisation = organisations.get(actor)
        district = districts.get(object_id, "")
        if organisation is not None and district and not organisation.serves(district):
            flagged[actor].append(event_id)
            names[actor] = username
    return [
        Finding(
            "other_area",
            actor,
            names[actor],
            f"Opened {len(ids)} record(s) of children living outside the area their "
            f"organisation serves ({organisations[actor].area_districts}).",
            tuple(ids),
        )
        for actor, ids in flagged.items()
    ]


register_rule(
    "other_area",
    "Records opened of children living outside the area the user's organisation serves.",
    other_area,
)
register_rule(
    "shares_surname",
    "Records opened of children who share the user's surname (possibly relatives).",
    shares_surname,
)
