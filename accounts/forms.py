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
