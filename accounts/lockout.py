"""What a locked-out sign-in attempt sees: exactly what a failed one sees."""

from django.http import HttpRequest, HttpResponse


def same_response_as_a_failed_sign_in(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The sign-in view already answered "Enter a correct username and password": keep it.

    A locked account must look the same as an unknown user or a wrong password,
    so an attacker learns nothing from the lock.
    """
    if original_response is None:
        return HttpResponse("Enter a correct username and password", status=200)
    return original_response
