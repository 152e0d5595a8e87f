"""Staff make keys for any account (the key is shown once, on the page after it is made) and revoke them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from rest_framework.authtoken.models import TokenProxy
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from . import services
from .models import APIKey
from .scopes import DESCRIPTIONS, Scope

# Keys are ours (apikeys.APIKey); the library's own model and DRF's plaintext tokens have no place in the admin.
for _model in (LibraryAPIKey, TokenProxy):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class APIKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(scope.value, f"{scope.value}: {DESCRIPTIONS[scope]}") for scope in Scope],
        widget=forms.CheckboxSelectMultiple,
        help_text="The key can never do more than its owner may, whatever its scopes.",
    )

    class Meta:
        model = APIKey
        fields = ["owner", "name", "scopes", "expiry_date"]

    def clean_expiry_date(self):
        expiry = self.cleaned_data.get("expiry_date")
        if expiry is not None and expiry <= timezone.now() and self.instance._state.adding:
            raise ValidationError("The expiry must be in the future (or empty: the key does not expire).")
        return expiry

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if owner is not None and not owner.is_active:
            raise ValidationError("This account is inactive: activate it first.")
        return owner


@admin.register(APIKey)
class APIKeyAdmin(admin.ModelAdmin):
    form = APIKeyForm
    list_display = ("name", "owner", "prefix", "scope_list", "expiry_date", "revoked", "last_used_at", "last_used_ip")
    list_filter = ("revoked", "expiry_date", "last_used_at")
    list_select_related = ("owner",)
    search_fields = ("name", "prefix", "owner__username")
    actions = ["revoke"]
    readonly_fields = ("prefix", "created", "revoked", "last_used_at", "last_used_ip")

    @admin.display(description="scopes")
    def scope_list(self, key):
        return ", ".join(key.scopes)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["owner", "name", "scopes", "expiry_date"]
        return [
            "name",
            "owner",
            "prefix",
            "scopes",
            "expiry_date",
            "created",
            "revoked",
            "last_used_at",
            "last_used_ip",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The owner is part of what the key is; a revoked key stays as it was.
        fixed = (*self.readonly_fields, "owner")
        return (*fixed, "name", "scopes", "expiry_date") if obj.revoked else fixed

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            request._apikey_text = services.key_issue(key=obj)

    def response_add(self, request, obj, post_url_continue=None):
        # The key's text, on this page alone: never stored, never in a message (messages may sit in the session).
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "key": obj,
            "key_text": request._apikey_text,
            "title": f"API key “{obj.name}” made",
        }
        response = TemplateResponse(request, "admin/apikeys/apikey/key_made.html", context)
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke the selected API keys (for good)", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(services.key_revoke(key=key) for key in queryset)
        self.message_user(request, f"Revoked {revoked} API key(s): clients using them now get 401.", messages.SUCCESS)
