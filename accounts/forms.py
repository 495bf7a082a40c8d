import datetime

from django import forms


class SignInForm(forms.Form):
    username = forms.CharField(
        label="Username", max_length=150, error_messages={"required": "Enter your username"}
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password"},
    )


class SecondFactorForm(forms.Form):
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "invalid": "The code must be 6 digits",
        },
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class ActivationCodeForm(forms.Form):
    code = forms.CharField(
        label="Activation code",
        max_length=20,
        error_messages={"required": "Enter the activation code your administrator gave you"},
    )


class EnrolmentConfirmForm(forms.Form):
    name = forms.CharField(
        label="Name this authenticator",
        max_length=64,
        required=False,
        initial="Authenticator app",
    )
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={
            "required": "Enter the 6-digit code your authenticator app shows",
            "invalid": "The code must be 6 digits",
        },
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class AgreementForm(forms.Form):
    accept = forms.BooleanField(
        label="I have read and accept the end-user agreement",
        error_messages={"required": "You must accept the agreement to use the service"},
    )


class BackupCodeForm(forms.Form):
    code = forms.RegexField(
        label="Backup code",
        regex=r"^\s*[a-zA-Z0-9]{5}-?[a-zA-Z0-9]{5}\s*$",
        max_length=20,
        error_messages={
            "required": "Enter one of your backup codes",
            "invalid": "A backup code looks like abcde-12345",
        },
    )


class DateParts(forms.MultiWidget):
    """Day, month and year boxes; pages render them with templates/includes/field_date.html."""

    def __init__(self) -> None:
        super().__init__([forms.TextInput, forms.TextInput, forms.TextInput])

    def decompress(self, value: datetime.date | None) -> list[object]:
        return [value.day, value.month, value.year] if value else [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK error messages."""

    widget = DateParts

    def __init__(self, *, past_only: bool = True, **kwargs: object) -> None:
        self.past_only = past_only
        fields = tuple(forms.CharField(required=False) for _ in range(3))
        label = str(kwargs.get("label", "the date"))
        kwargs.setdefault(
            "error_messages", {"required": f"Enter the {label[0].lower()}{label[1:]}"}
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> datetime.date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (part.strip() if part else "" for part in data_list)
        if not (day and month and year):
            raise forms.ValidationError(f"{self.label} must include a day, month and year")
        try:
            value = datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError) as exc:  # "31", "2", "99999999999" and the like
            raise forms.ValidationError(f"{self.label} must be a real date") from exc
        if value.year < 1900:
            raise forms.ValidationError(f"{self.label} must be a real date")
        if self.past_only and value > datetime.date.today():
            raise forms.ValidationError(f"{self.label} must be today or in the past")
        return value


class AccountRequestForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Work email address", max_length=254)
    job_title = forms.CharField(label="Job title", max_length=120)
    phone = forms.CharField(label="Work phone number", max_length=40, required=False)
    manager_name = forms.CharField(label="Line manager's name", max_length=200)


class DbsForm(forms.Form):
    certificate_number = forms.RegexField(
        label="DBS certificate number",
        regex=r"^\d{12}$",
        error_messages={
            "required": "Enter the DBS certificate number",
            "invalid": "The DBS certificate number is the 12 digits on the certificate",
        },
    )
    issue_date = GovukDateField(label="Date of issue")

    def clean_issue_date(self) -> datetime.date:
        value = self.cleaned_data.get("issue_date")
        if value is None:
            raise forms.ValidationError("Enter the date of issue")
        return value


class AuthorisationForm(forms.Form):
    manager_name = forms.CharField(label="Line manager's name", max_length=200)
    authorised_on = GovukDateField(label="Date the manager authorised access")

    def clean_authorised_on(self) -> datetime.date:
        value = self.cleaned_data.get("authorised_on")
        if value is None:
            raise forms.ValidationError("Enter the date the manager authorised access")
        return value


class TrainingForm(forms.Form):
    completed_on = GovukDateField(label="Date training was completed")

    def clean_completed_on(self) -> datetime.date:
        value = self.cleaned_data.get("completed_on")
        if value is None:
            raise forms.ValidationError("Enter the date training was completed")
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason"},
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = choices


class UserFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False)
    role = forms.ChoiceField(label="Role", required=False)
    expiring = forms.BooleanField(label="Access expiring in the next 30 days", required=False)
    q = forms.CharField(label="Name or email", required=False, max_length=100)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from accounts.models import AccountStatus
        from accounts.roles import Role

        self.fields["status"].choices = [("", "Any status"), *AccountStatus.choices]
        self.fields["role"].choices = [("", "Any role"), *Role.choices]
