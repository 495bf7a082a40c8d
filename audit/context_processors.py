from django.http import HttpRequest

from audit.access import may_review


def navigation(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    return {"nav_may_review": bool(user is not None and may_review(user))}
