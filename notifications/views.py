from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.services import audit_denial_record
from notifications.selectors import notifications_for
from notifications.services import FollowRefused, follow_set, notifications_mark_read
from records.views import visible_child


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    items = notifications_for(request.user)
    notifications_mark_read(user=request.user)
    return render(request, "notifications/list.html", {"items": items})


@require_POST
def follow(request: HttpRequest, public_id: str) -> HttpResponse:
    child = visible_child(request, public_id)
    try:
        follow_set(user=request.user, child=child, following=request.POST.get("follow") == "yes")
    except FollowRefused as exc:
        audit_denial_record(
            request=request,
            reason="follow refused: shielded child",
            object_type="child",
            object_id=str(child.public_id),
        )
        raise Http404 from exc
    return redirect("records:child", public_id=child.public_id)
