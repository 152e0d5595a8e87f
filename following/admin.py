"""Following other newsrooms in the admin: the followed sites (follow, poll now, unfollow, how polls went) and the
fact checks they brought that wait for an editor (attach to a claim, take in as a new draft claim, dismiss)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims import workflow
from claims.admin import QUEUE_ROWS
from claims.models import Claim

from . import services
from .models import FollowedReview, FollowedSite


class FollowSiteForm(forms.ModelForm):
    """Following a site: its address and key are checked, and its feed read, before anything is written."""

    api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text="The key the other site issued to this newsroom. Never shown again; leave empty to keep it.",
    )
    url = forms.CharField(label="base URL", max_length=500)
    name = forms.CharField(required=False, max_length=200, help_text="Empty: the name the other site gives.")
    check = forms.BooleanField(required=False, initial=True, label="Check that its changes feed answers before saving")

    class Meta:
        model = FollowedSite
        fields = ["url", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["url"].disabled = True
            self.fields.pop("check")
        else:
            self.fields["api_key"].required = True
            self.fields["url"].help_text = "The other site's address, e.g. https://factcheck.example.org"

    def clean_url(self):
        if self.instance.pk:
            return self.instance.url
        base = services.normalize_site_url(self.cleaned_data["url"])
        if FollowedSite.objects.filter(url=base, active=True).exists():
            raise ValidationError(f"{base} is already followed.", code="already_followed")
        return base

    def clean_api_key(self):
        key = self.cleaned_data.get("api_key", "")
        return services.clean_key(key) if key or not self.instance.pk else ""

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and cleaned.get("check") and not self.errors:
            cleaned["name"] = cleaned.get("name") or services.check_site(cleaned["url"], cleaned["api_key"])
        return cleaned

    def validate_unique(self):
        pass  # following again an unfollowed site is not a duplicate: services.follow takes it up


@admin.register(FollowedSite)
class FollowedSiteAdmin(admin.ModelAdmin):
    form = FollowSiteForm
    list_display = [
        "name",
        "url",
        "following",
        "key",
        "reviews_imported",
        "suggestions",
        "last_success_at",
        "consecutive_failures",
        "next_check_at",
        "error",
    ]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    actions = ["poll_now", "unfollow", "follow_again"]
    readonly_fields = [
        "key",
        "active",
        "cursor",
        "followed_at",
        "last_checked_at",
        "last_success_at",
        "last_error",
        "consecutive_failures",
        "next_check_at",
        "reviews_imported",
        "suggestions",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["url", "api_key", "name", "check"]
        return ["url", "name", "key", "api_key", *self.readonly_fields[1:]]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description="following", boolean=True, ordering="active")
    def following(self, obj):
        return obj.active

    @admin.display(description="API key")
    def key(self, obj):
        return obj.key_hint or "—"

    @admin.display(description="last error")
    def error(self, obj):
        return obj.last_error[:120] + ("…" if len(obj.last_error) > 120 else "") if obj.last_error else ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None and request.method == "POST":
            # Adding one asks the other site over the network (the form's clean): not inside a transaction, as the
            # admin would open; services.follow writes in one of its own.
            return self._changeform_view(request, object_id, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            site = services.site_update(site=obj, name=data.get("name", ""), api_key=data.get("api_key", ""))
        else:
            site, _ = services.follow(
                url=data["url"], api_key=data["api_key"], name=data.get("name", ""), by=request.user, check=False
            )
        obj.pk, obj.url = site.pk, site.url

    def has_delete_permission(self, request, obj=None):
        return False  # unfollow instead: what the site brought keeps its trace

    @admin.action(description="Poll now", permissions=["change"])
    def poll_now(self, request, queryset):
        sites = list(queryset.filter(active=True))
        for site in sites:
            services.poll_now(site=site)
        self.message_user(request, f"Polling {len(sites)} site(s) now; the results show here as they land.")

    @admin.action(description="Unfollow (stop polling)", permissions=["change"])
    def unfollow(self, request, queryset):
        sites = list(queryset.filter(active=True))
        for site in sites:
            services.unfollow(site=site, by=request.user)
        self.message_user(request, f"No longer following {len(sites)} site(s).")

    @admin.action(description="Follow again", permissions=["change"])
    def follow_again(self, request, queryset):
        sites = list(queryset.filter(active=False))
        for site in sites:
            services.follow(url=site.url, api_key=site.api_key, by=request.user, check=False)
        self.message_user(request, f"Following {len(sites)} site(s) again, from where each stopped.")


class SuggestionForm(forms.ModelForm):
    attach_to = forms.ModelChoiceField(
        queryset=Claim.objects.all(),
        required=False,
        widget=forms.NumberInput,
        label="Attach to our claim (id)",
        help_text="The id of the claim of ours this fact check reviews (the candidates are listed above).",
    )

    class Meta:
        model = FollowedReview
        fields: list = []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("attach_to") is not None and self.instance.state != FollowedReview.State.SUGGESTED:
            raise ValidationError("This fact check is no longer a suggestion.", code="not_suggested")
        return cleaned


@admin.register(FollowedReview)
class FollowedReviewAdmin(admin.ModelAdmin):
    form = SuggestionForm
    list_display = ["claim_text_short", "site", "textual_rating", "state", "our_claim", "updated_at"]
    list_filter = ["state", "site"]
    list_select_related = ["site", "external_review__claim"]
    search_fields = ["claim_text", "url"]
    actions = ["new_claims", "dismiss"]
    readonly_fields = [
        "site",
        "state",
        "their_fact_check",
        "claim_text",
        "textual_rating",
        "our_claim",
        "similar",
        "received_at",
        "updated_at",
        "decided_by",
    ]

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.state == FollowedReview.State.SUGGESTED:
            fields.append("attach_to")
        return fields

    def _may(self, request) -> bool:
        return workflow.may(request.user, workflow.CHANGE_PERMISSION) or request.user.has_perm(
            "following.change_followedreview"
        )

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="claim", ordering="claim_text")
    def claim_text_short(self, obj):
        return obj.claim_text[:100] + ("…" if len(obj.claim_text) > 100 else "")

    @admin.display(description="their fact check")
    def their_fact_check(self, obj):
        return format_html('<a href="{}" rel="noopener nofollow">{}</a>', obj.url, obj.url)

    @admin.display(description="our claim")
    def our_claim(self, obj):
        review = obj.external_review
        if review is None:
            return "—"
        url = reverse("admin:claims_claim_change", args=[review.claim_id])
        return format_html('<a href="{}">{}</a>', url, str(review.claim)[:100])

    @admin.display(description="similar claims of ours")
    def similar(self, obj):
        claims = list(obj.candidates.order_by("-id"))
        if not claims:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li>{}: <a href="{}">{}</a></li>',
                ((c.pk, reverse("admin:claims_claim_change", args=[c.pk]), c.text[:150]) for c in claims),
            ),
        )

    def save_model(self, request, obj, form, change):
        claim = form.cleaned_data.get("attach_to")
        if claim is not None:
            services.suggestion_attach(followed=obj, claim=claim, by=request.user)

    def save_related(self, request, form, formsets, change):
        pass

    def _decide(self, request, queryset, decide, done: str):
        done_count, problems = 0, []
        for followed in queryset.filter(state=FollowedReview.State.SUGGESTED):
            try:
                decide(followed=followed, by=request.user)
                done_count += 1
            except (ValidationError, PermissionDenied) as error:
                problems.append(f"{followed.claim_text[:60]}: {' '.join(getattr(error, 'messages', [str(error)]))}")
        if done_count:
            self.message_user(request, f"{done_count} suggestion(s) {done}.")
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description="Take in as new draft claims", permissions=["change"])
    def new_claims(self, request, queryset):
        self._decide(request, queryset, services.suggestion_new_claim, "taken in as new draft claims")

    @admin.action(description="Dismiss (not for us)", permissions=["change"])
    def dismiss(self, request, queryset):
        self._decide(request, queryset, services.suggestion_dismiss, "dismissed")


def suggestions_row(request):
    """For editors of a newsroom that follows (or followed) another site."""
    if not workflow.may(request.user, workflow.CHANGE_PERMISSION) or not FollowedSite.objects.exists():
        return None
    return {
        "code": "followed_suggestions",
        "label": "Fact checks from followed sites",
        "help": "Other newsrooms' fact checks that match none of our claims: attach, take in or dismiss.",
        "count": FollowedReview.objects.filter(state=FollowedReview.State.SUGGESTED).count(),
        "url": reverse("admin:following_followedreview_changelist") + "?state__exact=suggested",
    }


QUEUE_ROWS.append(suggestions_row)
