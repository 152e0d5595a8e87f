"""Webhooks in the editors' admin: endpoints (the secret shown once, at creation and rotation; turn off and on;
"send a test event") and a read-only log of deliveries and their attempts with "send again". Writes go through
webhooks/services.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from claims.admin import ReadOnly

from . import services
from .models import EVENT_TYPES, Attempt, Delivery, Endpoint


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=1000, assume_scheme="https", help_text=Endpoint._meta.get_field("url").help_text)
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    class Meta:
        model = Endpoint
        fields = ["owner", "url", "description", "events", "is_active"]

    def clean_url(self):
        try:
            return services.check_endpoint_url(self.cleaned_data["url"])
        except ValidationError as error:
            raise error.error_dict["url"][0] from None


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "owner", "is_active", "failing_since", "disabled_reason", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description", "owner__username"]
    raw_id_fields = ["owner"]
    readonly_fields = ["disabled_reason", "disabled_at", "failing_since", "created_at", "updated_at", "deliveries"]
    actions = ["send_test", "turn_off", "turn_on", "rotate_secret"]

    @admin.display(description="deliveries")
    def deliveries(self, obj):
        if obj.pk is None:
            return "—"
        url = reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={obj.pk}"
        return format_html('<a href="{}">{} deliveries</a>', url, obj.deliveries.count())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in ("url", "description", "events", "is_active")}
            services.endpoint_update(endpoint=obj, **fields)
            return
        created = services.endpoint_create(
            owner=data["owner"],
            url=data["url"],
            description=data["description"],
            events=data["events"],
            is_active=data.get("is_active", False),
        )
        obj.pk, obj.secret, obj.created_at = created.pk, created.secret, created.created_at
        self._show_secret(request, created)

    def delete_model(self, request, obj):
        services.endpoint_delete(endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_delete(endpoint=endpoint)

    def _show_secret(self, request, endpoint):
        self.message_user(
            request,
            format_html(
                "The signing secret of {}: <code>{}</code>. It is shown only now: give it to the endpoint's owner.",
                endpoint.url,
                endpoint.secret,
            ),
            messages.WARNING,
        )

    @admin.action(description="Send a test event", permissions=["change"])
    def send_test(self, request, queryset):
        sent = 0
        for endpoint in queryset:
            try:
                services.send_test(endpoint=endpoint)
                sent += 1
            except ValidationError as error:
                self.message_user(request, f"{endpoint.url}: {' '.join(error.messages)}", messages.ERROR)
        if sent:
            self.message_user(request, f"A test event is on its way to {sent} endpoint(s): see their deliveries.")

    @admin.action(description="Turn off", permissions=["change"])
    def turn_off(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_disable(endpoint=endpoint, reason=f"Turned off by {request.user.get_username()}.")
        self.message_user(request, f"Turned off {queryset.count()} endpoint(s): nothing is sent to them.")

    @admin.action(description="Turn on", permissions=["change"])
    def turn_on(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"Turned on {queryset.count()} endpoint(s): what waited is sent on.")

    @admin.action(description="Rotate the signing secret", permissions=["change"])
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            self._show_secret(request, services.secret_rotate(endpoint=endpoint))


class AttemptInline(ReadOnly, admin.TabularInline):
    model = Attempt
    fields = ["number", "at", "status_code", "error_code", "error", "latency_ms", "response_excerpt"]
    readonly_fields = fields
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["event_type", "event_id", "endpoint", "state", "attempts", "last_status", "next_attempt_at"]
    list_filter = ["state", "event_type"]
    search_fields = ["event_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    fields = [
        "endpoint",
        "event_id",
        "event_type",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status",
        "last_error",
        "created_at",
        "body",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["send_again"]

    def has_resend_permission(self, request):
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(description="Send again", permissions=["resend"])
    def send_again(self, request, queryset):
        for delivery in queryset:
            services.delivery_retry(delivery=delivery)
        self.message_user(request, f"Sending {queryset.count()} delivery(ies) again, from the start of the schedule.")
