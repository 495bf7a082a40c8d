from django.http import HttpRequest

from audit.services import ACTING_FOR_SESSION_KEY
from records.access import may_mediate


def mediation(request: HttpRequest) -> dict[str, object]:
    """The lookup the index officer is acting for, for the banner on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    session = getattr(request, "session", None)
    return {
        "acting_for": session.get(ACTING_FOR_SESSION_KEY) if session is not None else None,
        "nav_may_mediate": may_mediate(user),
    }
