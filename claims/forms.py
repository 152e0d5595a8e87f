"""Forms of the editors' admin: the claim form with its lost-update guard, and the workflow forms."""

from django import forms

from . import services
from .models import Claim, Verdict, VerdictChange


class ClaimAdminForm(forms.ModelForm):
    """The claim form; status, verdict and version change only through claims/services.py.

    The hidden `version` is the version the editor read. clean() checks it against the
    database with a conditional UPDATE (services.claim_check_version), so of two editors who
    opened the same claim, the second to save gets a conflict error and overwrites nothing.
    Call it only inside a transaction that rolls back when the save does not go through
    (ClaimAdmin.changeform_view does).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Claim
        fields = ["text", "slug", "claimant", "first_appearance", "first_appeared_on", "topics", "summary", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["version"] = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            expected = cleaned_data.get("version")
            if expected is None:
                raise forms.ValidationError(
                    "This form is missing the version of the claim you opened. Reload the page and make your "
                    "change again.",
                    code="conflict",
                )
            # Raises services.ConflictError (a ValidationError): a non-field error on the form.
            services.claim_check_version(claim=self.instance, expected_version=expected)
        return cleaned_data


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(choices=Verdict.choices)
    kind = forms.ChoiceField(
        choices=VerdictChange.Kind.choices,
        help_text="Initial rating for a claim's first verdict; later, an update on new evidence or a correction.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Shown to readers in the claim's verdict history.",
        error_messages={"required": "Give the reason for this verdict; readers will see it."},
    )


class RetractForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Shown to readers on the claim's page instead of the fact check.",
        error_messages={"required": "Give the reason for the retraction; readers will see it."},
    )


class ConfirmForm(forms.Form):
    """A transition that needs nothing but a confirmation."""
