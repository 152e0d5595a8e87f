"""Forms of the editors' admin: the claim form with its lost-update guard, and the workflow forms."""

from django import forms

from . import services, verdicts
from .models import Claim, VerdictChange


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


class RatingField(forms.ChoiceField):
    """A verdict a reviewer can give (verdicts.RATINGS): one of the scale that is not, gets its own message."""

    def validate(self, value):
        if value in verdicts.SCALE and value not in verdicts.RATINGS:
            raise forms.ValidationError(
                f"“{verdicts.label(value)}” is not a verdict to give: choose a rating from the scale.",
                code="invalid_choice",
            )
        super().validate(value)


class VerdictForm(forms.Form):
    """Rate a claim: a verdict of the scale (never "not yet rated"), the kind of change and the public reason.

    `rated`: whether the claim has been rated before. Its first rating is an initial one; later ones are an
    update or a correction, so only the kinds that apply are offered.
    """

    verdict = RatingField(
        choices=[("", "Choose a verdict…"), *((v.value, v.label) for v in verdicts.RATINGS)],
        error_messages={"required": "Choose a verdict."},
    )
    kind = forms.ChoiceField(
        help_text="An update rates the claim again on new evidence; a correction fixes a verdict we got wrong. "
        "Readers see which.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Shown to readers in the claim's verdict history.",
        error_messages={"required": "Give the reason for this verdict; readers will see it."},
    )

    def __init__(self, *args, rated: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.rated = rated
        kind = self.fields["kind"]
        if rated:
            kind.choices = [(k.value, k.label) for k in VerdictChange.Kind if k != VerdictChange.Kind.INITIAL]
            self.initial.setdefault("kind", VerdictChange.Kind.UPDATE)
            kind.error_messages["invalid_choice"] = (
                "This claim has been rated before: a new verdict is an update or a correction."
            )
        else:
            kind.choices = [(VerdictChange.Kind.INITIAL.value, VerdictChange.Kind.INITIAL.label)]
            self.initial["kind"] = VerdictChange.Kind.INITIAL
            kind.help_text = "This is the claim's first verdict."
            kind.error_messages["invalid_choice"] = (
                "This claim has not been rated yet: its first verdict is an initial rating."
            )


class RetractForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Shown to readers on the claim's page instead of the fact check.",
        error_messages={"required": "Give the reason for the retraction; readers will see it."},
    )


class ConfirmForm(forms.Form):
    """A transition that needs nothing but a confirmation."""
