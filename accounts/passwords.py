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
