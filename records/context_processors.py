from django.http import HttpRequest

from records.access import may_search


def navigation(request: HttpRequest) -> dict[str, bool]:
    """Whether to offer "Find a child" in the header (the view itself checks again)."""
    user = getattr(request, "user", None)
    return {"nav_may_search": bool(user is not None and user.is_authenticated and may_search(user))}
