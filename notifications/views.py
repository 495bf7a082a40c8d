from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from notifications.models import Notification
from notifications.services import follow_set, notifications_mark_read
from records.views import visible_child


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    items = list(Notification.objects.filter(recipient=request.user).select_related("child")[:100])
    unread = {item.pk for item in items if item.read_at is None}
    notifications_mark_read(user=request.user)
    return render(request, "notifications/list.html", {"items": items, "unread": unread})


@require_POST
def follow(request: HttpRequest, public_id: str) -> HttpResponse:
    child = visible_child(request, public_id)
    follow_set(user=request.user, child=child, following=request.POST.get("follow") == "yes")
    return redirect("records:child", public_id=child.public_id)
