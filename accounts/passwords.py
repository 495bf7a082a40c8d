"""Password rules beyond Django's built-in validators."""

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Allow long passphrases (64+), but refuse absurd lengths that only cost hashing time."""

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Your password must be {self.max_length} characters or fewer.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters long."


CONTEXT_WORDS = ("childindex", "child index", "contactpoint", "password", "safeguarding")


class ContextWordsValidator:
    """Refuse passwords built on words an attacker would try first for this service."""

    def validate(self, password: str, user: object = None) -> None:
        lowered = password.lower()
        words = list(CONTEXT_WORDS)
        organisation = getattr(user, "organisation", None)
        if organisation is not None:
            words.extend(part for part in organisation.name.lower().split() if len(part) >= 6)
        for word in words:
            if word in lowered:
                raise ValidationError(
                    "Your password must not contain the name of this service, your "
                    "organisation or other easily guessed words.",
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return "Your password must not contain the service's or your organisation's name."
