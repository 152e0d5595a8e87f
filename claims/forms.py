"""Forms of the editors' admin: the claim form with its lost-update guard, and the workflow forms."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from . import services, verdicts
from .models import Claim, PublicNote, VerdictChange


class ServiceErrorsMixin:
    """A form that shows what a service refused when the admin saved it (ServiceAdmin re-renders the form with
    `service_error` set). The form itself never writes: the services do, after it validates."""

    service_error = None

    def clean(self):
        cleaned_data = super().clean()
        if self.service_error is not None:
            add_service_errors(self, self.service_error)
        return cleaned_data


def add_service_errors(form: forms.BaseForm, exc: Exception) -> None:
    """Put a service's refusal on the form: on its fields where it names them, else on the form."""
    if isinstance(exc, PermissionDenied):
        exc = ValidationError(str(exc) or "You do not have permission to do this.", code=getattr(exc, "code", None))
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, ValidationError(errors))
    else:
        form.add_error(None, exc)


class PublicNoteFields(forms.Form):
    """The public note a reviewer writes with a change to what readers see of a published claim."""

    note_kind = forms.ChoiceField(
        label="Public note: kind",
        choices=[("", "---------"), *PublicNote.Kind.choices],
        required=False,
        help_text="Needed when you change what readers see of a published claim (its text, claimant, first "
        "appearance, summary, topics, evidence, or the words of a statement it quotes). Update: new information "
        "or wording. Correction: we got something wrong.",
    )
    note_reason = forms.CharField(
        label="Public note: reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="What changed and why; readers see it in the claim's history.",
    )

    def note(self) -> dict:
        return {
            "note_kind": self.cleaned_data.get("note_kind", ""),
            "note_reason": self.cleaned_data.get("note_reason", ""),
        }


class NotedModelForm(forms.ModelForm, PublicNoteFields):
    """An admin form whose save may change a published claim's evidence: with the public note fields."""


class ClaimAdminForm(ServiceErrorsMixin, forms.ModelForm, PublicNoteFields):
    """The claim form; status, verdict and version change only through claims/services.py.

    The hidden `version` is the version the editor read: services.claim_update refuses a save based on an
    older one (ConflictError), so of two editors who opened the same claim, the second to save gets a conflict
    error and overwrites nothing. clean() compares it with the claim as loaded, read-only, for an early answer.
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
        if self.instance.pk and self.service_error is None:
            expected = cleaned_data.get("version")
            if expected is None:
                raise forms.ValidationError(
                    "This form is missing the version of the claim you opened. Reload the page and make your "
                    "change again.",
                    code="conflict",
                )
            try:
                services.check_version(current=self.instance, expected_version=expected)
            except services.ConflictError as exc:
                raise forms.ValidationError(exc.messages, code="conflict") from None
        return cleaned_data


class ProposalForm(forms.Form):
    """An editor's proposed change to a published claim, for a reviewer."""

    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="What should change and why; a reviewer makes the change with a public note, or declines it.",
        error_messages={"required": "Say what should change and why."},
    )
    text = forms.CharField(
        label="Proposed text",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Leave as it is to propose no new wording.",
    )
    summary = forms.CharField(
        label="Proposed summary",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text="Leave as it is to propose no new fact check text.",
    )


class PublicNameForm(forms.Form):
    public_name = forms.CharField(
        max_length=150,
        required=False,
        help_text="Shown to readers as who checked a claim; leave empty to show your full name.",
    )


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
