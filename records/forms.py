import datetime

from django import forms

from childindex.forms import GovukDateField
from records.names import normalise_name, normalise_postcode
from records.search import SearchCriteria

OLDEST_AGE = 25


class ChildSearchForm(forms.Form):
    given_name = forms.CharField(label="Given name", max_length=100, required=False)
    family_name = forms.CharField(label="Family name", max_length=100, required=False)
    dob_day = forms.IntegerField(label="Day", min_value=1, max_value=31, required=False)
    dob_month = forms.IntegerField(label="Month", min_value=1, max_value=12, required=False)
    dob_year = forms.IntegerField(label="Year", required=False)
    age_from = forms.IntegerField(
        label="From age", min_value=0, max_value=OLDEST_AGE, required=False
    )
    age_to = forms.IntegerField(label="To age", min_value=0, max_value=OLDEST_AGE, required=False)
    postcode = forms.CharField(
        label="Postcode or postcode district",
        max_length=12,
        required=False,
        error_messages={"max_length": "Enter a full postcode, like SE6 4RU, or a district"},
    )

    def clean_dob_year(self) -> int | None:
        year = self.cleaned_data.get("dob_year")
        this_year = datetime.date.today().year
        if year is not None and not (this_year - OLDEST_AGE - 1 <= year <= this_year):
            raise forms.ValidationError(
                f"Year of birth must be between {this_year - OLDEST_AGE - 1} and {this_year}"
            )
        return year

    def clean_postcode(self) -> str:
        raw = self.cleaned_data.get("postcode", "").strip()
        if not raw:
            return ""
        postcode = normalise_postcode(raw)
        if not postcode:
            raise forms.ValidationError(
                "Enter a full postcode, like SE6 4RU, or a postcode district, like SE6"
            )
        return postcode

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        day, month, year = data.get("dob_day"), data.get("dob_month"), data.get("dob_year")
        date_of_birth = None
        if day is not None and (month is None or year is None):
            self.add_error("dob_day", "A date of birth with a day must include a month and year")
        elif month is not None and year is None:
            self.add_error("dob_year", "A date of birth with a month must include a year")
        elif day is not None:
            try:
                date_of_birth = datetime.date(year, month, day)
            except ValueError:
                self.add_error("dob_day", "Date of birth must be a real date")
            else:
                if date_of_birth > datetime.date.today():
                    self.add_error("dob_day", "Date of birth must be today or in the past")
        age_from, age_to = data.get("age_from"), data.get("age_to")
        if age_from is not None and age_to is not None and age_from > age_to:
            self.add_error("age_to", "The 'to' age must be the same as or more than the 'from' age")
        data["date_of_birth"] = date_of_birth
        if not self.errors and not self._specific_enough(data):
            raise forms.ValidationError(
                "Enter more details to search: a family name, a full date of birth or a full "
                "postcode, or two of given name, year of birth, age range and postcode district",
                code="too_broad",
            )
        return data

    def _specific_enough(self, data: dict) -> bool:
        postcode = data.get("postcode", "")
        if normalise_name(data.get("family_name", "")) or data.get("date_of_birth"):
            return True
        if " " in postcode:
            return True
        signals = [
            bool(normalise_name(data.get("given_name", ""))),
            data.get("dob_year") is not None,
            data.get("age_from") is not None or data.get("age_to") is not None,
            bool(postcode),
        ]
        return sum(signals) >= 2

    def criteria(self) -> SearchCriteria:
        data = self.cleaned_data
        return SearchCriteria(
            given_name=data.get("given_name", "").strip(),
            family_name=data.get("family_name", "").strip(),
            date_of_birth=data.get("date_of_birth"),
            birth_year=data.get("dob_year"),
            birth_month=data.get("dob_month"),
            age_from=data.get("age_from"),
            age_to=data.get("age_to"),
            postcode=data.get("postcode", ""),
        )


class AuditChildFinderForm(forms.Form):
    """An auditor identifies a child by family name and full date of birth, never by where
    they live: a postcode or an age range is no way to pick out the one child a complaint,
    subject access request or investigation is about."""

    given_name = forms.CharField(label="Given name", max_length=100, required=False)
    family_name = forms.CharField(
        label="Family name",
        max_length=100,
        error_messages={"required": "Enter the child's family name"},
    )
    dob_day = forms.IntegerField(label="Day", min_value=1, max_value=31, required=False)
    dob_month = forms.IntegerField(label="Month", min_value=1, max_value=12, required=False)
    dob_year = forms.IntegerField(label="Year", required=False)

    clean_dob_year = ChildSearchForm.clean_dob_year

    def clean_family_name(self) -> str:
        family = self.cleaned_data["family_name"].strip()
        if not normalise_name(family):
            raise forms.ValidationError("Enter the child's family name, in letters")
        return family

    def clean(self) -> dict:
        data = super().clean()
        day, month, year = data.get("dob_day"), data.get("dob_month"), data.get("dob_year")
        data["date_of_birth"] = None
        if self.has_error("dob_day") or self.has_error("dob_month") or self.has_error("dob_year"):
            return data
        if day is None or month is None or year is None:
            self.add_error("dob_day", "Enter the child's full date of birth: day, month and year")
            return data
        try:
            date_of_birth = datetime.date(year, month, day)
        except ValueError:
            self.add_error("dob_day", "Date of birth must be a real date")
            return data
        if date_of_birth > datetime.date.today():
            self.add_error("dob_day", "Date of birth must be today or in the past")
            return data
        data["date_of_birth"] = date_of_birth
        return data

    def criteria(self) -> SearchCriteria:
        data = self.cleaned_data
        return SearchCriteria(
            given_name=data.get("given_name", "").strip(),
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            birth_year=data["dob_year"],
            birth_month=data["dob_month"],
        )


class AccessReason(forms.Form):
    REASONS = [
        ("safeguarding", "Safeguarding concern about this child"),
        ("assessment", "Assessing needs (early help or CAF)"),
        ("coordination", "Coordinating support with other practitioners"),
        ("referral", "Making or receiving a referral"),
        ("own_involvement", "Recording or checking my own involvement"),
        ("other", "Other"),
    ]
    reason = forms.ChoiceField(
        label="Why do you need to see this record?",
        choices=REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select why you need to see this record"},
    )
    other_reason = forms.CharField(
        label="Reason in your own words", max_length=500, required=False, widget=forms.Textarea
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("reason") == "other" and not data.get("other_reason", "").strip():
            self.add_error("other_reason", "Give the reason you need to see this record")
        return data

    def reason_text(self) -> str:
        label = dict(self.REASONS)[self.cleaned_data["reason"]]
        detail = self.cleaned_data.get("other_reason", "").strip()
        return f"{label}: {detail}" if detail else label


class ShieldForm(forms.Form):
    reason = forms.CharField(
        label="Why must this child be shielded?",
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Give the reason for shielding"},
    )
    review_due = GovukDateField(label="Review the shield by", past_only=False)

    def clean_review_due(self) -> datetime.date:
        value = self.cleaned_data["review_due"]
        if value <= datetime.date.today():
            raise forms.ValidationError("The review date must be in the future")
        return value


class UnshieldForm(forms.Form):
    reason = forms.CharField(
        label="Why can the shield be removed?",
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Give the reason for removing the shield"},
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why must you see this shielded record now?",
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Give the child-protection reason"},
    )
    understood = forms.BooleanField(
        label="I understand that this access is recorded, the index team is told at once, "
        "and it will be investigated",
        error_messages={"required": "Confirm that you understand this access is investigated"},
    )
