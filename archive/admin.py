"""The archive in the editors' admin: a source's captures and a diff between any two, "capture now", the
"sources to look at" queue on the admin home, and a read-only list of every capture."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from claims.admin import QUEUE_ROWS, ReadOnly
from claims.admin import SourceAdmin as RecordSourceAdmin
from claims.models import Source

from . import compare, services
from .fetch import Refused, check_url
from .models import Capture, Change

CAPTURES_SHOWN = 50


class OriginalFilter(admin.SimpleListFilter):
    title = "original since cited"
    parameter_name = "original"

    def lookups(self, request, model_admin):
        return [("look", "To look at (drifted, moved, gone)"), *[(c.value, c.label) for c in Change]]

    def queryset(self, request, queryset):
        if self.value() == "look":
            return queryset.filter(watch__in=services.sources_to_look_at())
        if self.value() in Change.values:
            return queryset.filter(watch__since_cited=self.value())
        return queryset


class SourceForm(forms.ModelForm):
    """A source's URL is fetched: one that could never be (another scheme, a private address) is refused here."""

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except Refused as refused:
            raise ValidationError(f"This URL cannot be captured: {refused}", code=refused.code) from None
        return url


admin.site.unregister(Source)


@admin.register(Source)
class SourceAdmin(RecordSourceAdmin):
    form = SourceForm
    change_form_template = "admin/archive/source/change_form.html"
    list_display = [*RecordSourceAdmin.list_display, "original"]
    list_filter = [*RecordSourceAdmin.list_filter, OriginalFilter]
    list_select_related = ["watch"]
    actions = ["capture_now"]

    @admin.display(description="original", ordering="watch__since_cited")
    def original(self, obj):
        watch = getattr(obj, "watch", None)
        if watch is None or not watch.since_cited:
            return "—"
        return watch.get_since_cited_display()

    def _may_capture(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    @admin.action(description="Capture now", permissions=["change"])
    def capture_now(self, request, queryset):
        sources = list(queryset.order_by("pk"))
        for source in sources:
            services.capture_request(source=source, reason=Capture.Reason.ASKED, by=request.user)
        self.message_user(
            request,
            f"Capturing {len(sources)} source{'s' if len(sources) != 1 else ''}: "
            "each copy shows on its source within seconds, once a worker has fetched it.",
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path("<path:object_id>/capture/", self.admin_site.admin_view(self.capture_view), name="archive_capture"),
            path("<path:object_id>/diff/", self.admin_site.admin_view(self.diff_view), name="archive_diff"),
            path(
                "<path:object_id>/looked-at/", self.admin_site.admin_view(self.looked_at_view), name="archive_looked_at"
            ),
            *super().get_urls(),
        ]

    def _source(self, request, object_id) -> Source:
        source = self.get_object(request, unquote(object_id))
        if source is None:
            raise Http404("No such source.")
        return source

    def _change_redirect(self, source):
        return HttpResponseRedirect(reverse("admin:claims_source_change", args=[source.pk]) + "#captures")

    def capture_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        source = self._source(request, object_id)
        if not self._may_capture(request, source):
            raise PermissionDenied
        services.capture_request(source=source, reason=Capture.Reason.ASKED, by=request.user)
        self.message_user(request, "A new capture was asked for: it shows here within seconds.", messages.SUCCESS)
        return self._change_redirect(source)

    def looked_at_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        source = self._source(request, object_id)
        if not self._may_capture(request, source):
            raise PermissionDenied
        services.watch_looked_at(source=source, by=request.user)
        self.message_user(request, "Marked as looked at: it leaves the queue until it changes again.")
        return self._change_redirect(source)

    def diff_view(self, request, object_id):
        source = self._source(request, object_id)
        captures = {c.pk: c for c in source.captures.readable()}
        picked = []
        for name in ("a", "b"):
            value = request.GET.get(name, "")
            if not value.isdigit() or int(value) not in captures:
                messages.error(request, "Pick two of this source's captures that have a page to compare.")
                return self._change_redirect(source)
            picked.append(captures[int(value)])
        older, newer = sorted(picked, key=lambda c: (c.captured_at, c.pk))
        verdict, why = compare.classify(services.snapshot(older), services.snapshot(newer))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": source,
            "title": "Compare two captures",
            "subtitle": str(source),
            "older": older,
            "newer": newer,
            "change_label": Change(verdict).label if verdict in Change.values else verdict,
            "change_reason": why,
            "rows": compare.text_diff(older.text, newer.text),
            "change_url": reverse("admin:claims_source_change", args=[source.pk]),
        }
        return TemplateResponse(request, "admin/archive/source/diff.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, unquote(object_id))
        if source is not None:
            captures = list(source.captures.select_related("requested_by")[: CAPTURES_SHOWN + 1])
            watch = getattr(source, "watch", None)
            filled = next((c for c in captures if c.filled_fields), None)
            extra_context = {
                **(extra_context or {}),
                "captures": captures[:CAPTURES_SHOWN],
                "more_captures": len(captures) > CAPTURES_SHOWN,
                "readable": [c for c in captures if c.is_readable],
                "watch": watch,
                "to_look_at": bool(watch and services.sources_to_look_at().filter(pk=watch.pk).exists()),
                "filled": filled,
                "filled_labels": [
                    str(Source._meta.get_field(name).verbose_name) for name in (filled.filled_fields if filled else [])
                ],
                "may_capture": self._may_capture(request, source),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        if not services.is_paused():
            self.message_user(
                request,
                format_html(
                    "The page at {} is being captured. Its title, publisher, author and date are filled in "
                    "where you left them empty; the source's page shows what was filled in, and its captures.",
                    obj.url,
                ),
            )
        return super().response_add(request, obj, post_url_continue)


@admin.register(Capture)
class CaptureAdmin(ReadOnly, admin.ModelAdmin):
    """Every capture, as recorded: written only by the archive (archive/services.py)."""

    list_display = ["captured", "source", "reason", "state", "change", "http_status", "error"]
    list_filter = ["state", "change", "reason", "is_demo_stand_in"]
    search_fields = ["url", "final_url", "source__title", "sha256"]
    list_select_related = ["source"]
    show_full_result_count = False
    exclude = ["text"]
    readonly_fields = ["public_copy"]

    @admin.display(description="captured", ordering="requested_at")
    def captured(self, obj):
        return obj.captured_at or obj.requested_at

    @admin.display(description="archived copy")
    def public_copy(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), "The copy as readers see it")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("claims.view_source")

    def has_module_permission(self, request):
        return self.has_view_permission(request)


def sources_to_look_at_row(request):
    if not request.user.has_perm("claims.view_source"):
        return None
    return {
        "code": "sources_to_look_at",
        "label": "Sources to look at",
        "help": "Cited sources whose original drifted, moved or went since it was cited.",
        "count": services.sources_to_look_at().count(),
        "url": reverse("admin:claims_source_changelist") + f"?{OriginalFilter.parameter_name}=look",
    }


QUEUE_ROWS.append(sources_to_look_at_row)
