"""The editors' admin. Status and verdict change only through claims/services.py."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from exchange.csv_export import claims_csv_response

from . import services, workflow
from .forms import (
    ClaimAdminForm,
    ConfirmForm,
    NotedModelForm,
    ProposalForm,
    PublicNameForm,
    PublicNoteFields,
    RetractForm,
    ServiceErrorsMixin,
    VerdictForm,
    add_service_errors,
)
from .models import (
    PUBLIC_STATUSES,
    ChangeProposal,
    Claim,
    Evidence,
    ExternalReview,
    PublicNote,
    PublicProfile,
    Source,
    Speaker,
    Statement,
    Status,
    Topic,
    VerdictChange,
)
from .search import search_claims, search_rank, similar_claims

SMALL_TEXTAREA = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


def _error_messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or "You do not have permission to do this."]


_add_service_errors = add_service_errors


def _who(change: VerdictChange) -> str:
    # Plain text: a link to the user admin would be a 403 for editors and reviewers.
    user = change.changed_by
    return (user.get_full_name() or user.get_username()) if user else "–"


def _day(moment) -> str:
    if moment is None:
        return "–"
    moment = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(timespec="seconds"),
        date_format(moment, "DATETIME_FORMAT"),
        date_format(moment, "j M Y"),
    )


def _is_changelist(request, model) -> bool:
    match = request.resolver_match
    return bool(match and match.url_name == f"{model._meta.app_label}_{model._meta.model_name}_changelist")


class EstimatedCountPaginator(Paginator):
    """The changelist's paginator: on PostgreSQL an unfiltered list of a large table is counted from the
    planner's statistics (pg_class.reltuples) instead of by a COUNT of every row on every page view."""

    ESTIMATE_FROM = 50_000  # rows; smaller tables are counted exactly

    @cached_property
    def count(self):
        from django.db import connections

        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                table = queryset.model._meta.db_table
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
                row = cursor.fetchone()
            if row and row[0] >= self.ESTIMATE_FROM:
                return row[0]
        return super().count


class ReadableChanges(HistoricalRecordContextHelper):
    """History diffs in words: "Not yet rated → False", not the stored "unverified → false"."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.choices and not field.many_to_many:
            return dict(field.flatchoices).get(value, value)
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """Every object's change history; reverting an old version only for those who may change it."""

    allow_revert = True
    object_history_list_template = "admin/claims/object_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return (
            not self.allow_revert
            or not self.has_change_permission(request, obj)
            or super().revert_disabled(request, obj)
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history lets anyone who may view an object post a revert; refuse that.
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# Writing through the services


class Refused(Exception):
    """A service refused a write during an admin save: the whole save is rolled back and the form comes back
    with the refusal on it."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


def _call(service: Callable, **kwargs):
    try:
        return service(**kwargs)
    except (ValidationError, PermissionDenied) as exc:
        raise Refused(exc) from exc


@dataclass(frozen=True)
class Writes:
    """The services that create, change and delete one model's rows, and the keyword naming the row."""

    name: str
    create: Callable
    update: Callable
    delete: Callable
    noted: bool = False  # takes a public note (note_kind, note_reason) and at=


WRITES = {
    Topic: Writes("topic", services.topic_create, services.topic_update, services.topic_delete),
    Speaker: Writes("speaker", services.speaker_create, services.speaker_update, services.speaker_delete),
    Source: Writes("source", services.source_create, services.source_update, services.source_delete),
    Statement: Writes(
        "statement", services.statement_create, services.statement_update, services.statement_delete, True
    ),
    Evidence: Writes("evidence", services.evidence_create, services.evidence_update, services.evidence_delete, True),
    ExternalReview: Writes(
        "review", services.external_review_create, services.external_review_update, services.external_review_delete
    ),
}


def _model_fields(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields if f.editable and not f.primary_key}


def _adopt(target: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved object the row a service saved (for the log entry, the messages, the redirect)."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def _note(form) -> dict:
    return form.note() if isinstance(form, PublicNoteFields) else {}


def _moment(request):
    """The moment of this request's writes: one public note for a claim's fields and its evidence."""
    if getattr(request, "_at", None) is None:
        request._at = timezone.now()
    return request._at


def may_publish(request) -> bool:
    return workflow.may(request.user, workflow.PUBLISH_PERMISSION)


def locked_for(request, claim) -> bool:
    """What readers see of this claim is read-only for this user: it is on the record and they are no reviewer."""
    return claim is not None and claim.pk is not None and workflow.is_on_record(claim) and not may_publish(request)


def save_formset_through_services(request, formset, *, note: dict, at) -> bool:
    """Save an inline formset row by row through the services (with the parent form's public note); True when
    anything changed. Sets what Django's change message reads (new, changed and deleted objects)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    if formset.model not in WRITES:  # read-only inlines (verdict history, public notes)
        return False
    writes = WRITES[formset.model]
    extra = {**note, "at": at} if writes.noted else {}
    fields = _model_fields(formset.model)
    for form in formset.initial_forms:
        if form in formset.deleted_forms and form.instance.pk is not None:
            current = formset.model._default_manager.get(pk=form.instance.pk)
            _call(writes.delete, **{writes.name: current}, by=request.user, **extra)
            formset.deleted_objects.append(current)
    for form in formset.forms:
        if form in formset.deleted_forms or not form.has_changed():
            continue
        parent = {formset.fk.name: formset.instance}
        if form.instance.pk is None:
            values = {n: v for n, v in form.cleaned_data.items() if n in fields and n != formset.fk.name}
            saved = _call(writes.create, by=request.user, **parent, **values, **extra)
            _adopt(form.instance, saved)
            formset.new_objects.append(form.instance)
        else:
            changed = [n for n in form.changed_data if n in fields and n != formset.fk.name]
            current = formset.model._default_manager.get(pk=form.instance.pk)
            values = {n: form.cleaned_data[n] for n in changed}
            _call(writes.update, **{writes.name: current}, by=request.user, **values, **extra)
            formset.changed_objects.append((form.instance, changed))
    return bool(formset.new_objects or formset.changed_objects or formset.deleted_objects)


class ServiceAdmin(HistoryAdmin):
    """Saves and deletes through claims/services.py. A refusal (ValidationError, PermissionDenied) comes back on
    the re-rendered form, or as an error message for a delete; the request writes nothing."""

    def writes(self) -> Writes:
        return WRITES[self.model]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            if getattr(request, "_refused", None) is not None:
                raise refused.error from None
            # Everything the save wrote was rolled back; show the form again with the refusal on it.
            request._refused = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "_refused", None)
        if error is None:
            return form
        bases = (form,) if issubclass(form, ServiceErrorsMixin) else (ServiceErrorsMixin, form)
        return type(form.__name__, bases, {"service_error": error})

    def save_model(self, request, obj, form, change):
        writes = self.writes()
        fields = _model_fields(self.model)
        extra = {**_note(form), "at": _moment(request)} if writes.noted else {}
        if change:
            # Every field of the form, compared with the row as saved (a revert's form starts from an old version).
            current = self.model._default_manager.get(pk=obj.pk)
            values = {n: v for n, v in form.cleaned_data.items() if n in fields}
            _adopt(obj, _call(writes.update, **{writes.name: current}, by=request.user, **values, **extra))
        else:
            values = {n: v for n, v in form.cleaned_data.items() if n in fields}
            _adopt(obj, _call(writes.create, by=request.user, **values, **extra))

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except Refused as refused:
            self.message_user(request, " ".join(_error_messages(refused.error)), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_related(self, request, form, formsets, change):
        # No form.save_m2m(): the services write the relations (a claim's topics go through claim_update).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        save_formset_through_services(request, formset, note=_note(form), at=_moment(request))

    def _changeform_view(self, request, object_id, form_url, extra_context):
        request._at = timezone.now()  # one moment for every write of this save (one public note)
        return super()._changeform_view(request, object_id, form_url, extra_context)

    def delete_model(self, request, obj):
        _call(self.writes().delete, **{self.writes().name: obj}, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("pk"):
            self.delete_model(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refused as refused:
            self.message_user(request, " ".join(_error_messages(refused.error)), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except Refused as refused:
            self.message_user(request, " ".join(_error_messages(refused.error)), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class PublicNoteFormAdmin(ServiceAdmin):
    """A model whose writes may change a published claim's evidence: reviewers get the public note fields."""

    form = NotedModelForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in NOTE_FIELDS]})
            for name, opts in super().get_fieldsets(request, obj)
        ]
        if may_publish(request) and (obj is None or self.has_change_permission(request, obj)):
            fieldsets.append(NOTE_FIELDSET)
        return fieldsets


NOTE_FIELDS = ("note_kind", "note_reason")
NOTE_FIELDSET = (
    "Public note",
    {
        "fields": list(NOTE_FIELDS),
        "description": "A change to what readers see of a published claim (its text, claimant, first appearance, "
        "summary, topics, evidence, or the words of a statement it quotes) needs a public note: readers see it in "
        "the claim's history.",
    },
)


# Inlines


class EvidenceInline(admin.TabularInline):
    """On a claim: the statements bearing on it."""

    model = Evidence
    fk_name = "claim"
    fields = ["statement", "stance", "rank", "deprecation_reason", "note"]
    autocomplete_fields = ["statement"]
    formfield_overrides = SMALL_TEXTAREA
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("statement__speaker")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "statement":
            kwargs["queryset"] = Statement.objects.select_related("speaker")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # A published claim's evidence is what readers see: read-only but for reviewers (with a public note).

    def has_add_permission(self, request, obj=None):
        return not locked_for(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not locked_for(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not locked_for(request, obj) and super().has_delete_permission(request, obj)


class StatementEvidenceInline(admin.TabularInline):
    """On a statement: the claims it bears on."""

    model = Evidence
    fk_name = "statement"
    fields = ["claim", "stance", "rank", "deprecation_reason", "note"]
    autocomplete_fields = ["claim"]
    formfield_overrides = SMALL_TEXTAREA
    extra = 0
    verbose_name = "claim this statement bears on"
    verbose_name_plural = "claims this statement bears on"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim")


class ReadOnly:
    """Admins and inlines of the public record's traces (verdict changes, public notes, proposals): they are
    written by the services with the change they record, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VerdictChangeInline(ReadOnly, admin.TabularInline):
    """A claim's public verdict history: read-only, it grows only through "Set verdict"."""

    model = VerdictChange
    fields = ["changed_at", "previous_verdict", "verdict", "kind", "reason", "who"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "verdict change"
    verbose_name_plural = "verdict history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    @admin.display(description="changed by")
    def who(self, obj):
        return _who(obj)


class PublicNoteInline(ReadOnly, admin.TabularInline):
    """A published claim's public notes: read-only, written with a change to what readers see."""

    model = PublicNote
    fields = ["published_at", "kind", "reason", "changed_fields", "written_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "public notes"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("written_by")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("claims.view_claim")


class StatementInline(admin.StackedInline):
    """On a source: the statements found in it."""

    model = Statement
    fields = [("speaker", "is_quote", "stated_on"), "text"]
    autocomplete_fields = ["speaker"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 80})}}
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("speaker")


# The claim and its workflow


def _refusal(claim, transition: workflow.Transition, exc: Exception) -> str:
    """Why the transition was not taken, for a message: each missing publishing standard by name."""
    if isinstance(exc, services.StandardsError):
        missing = " ".join(f"✗ {item.label}: {item.detail}" for item in exc.missing)
        return f"“{claim}” was not {transition.done}; it does not meet the publishing standards. {missing}"
    return f"“{claim}” was not {transition.done}: {' '.join(_error_messages(exc))}"


def _list_action(transition: workflow.Transition):
    """The claim list's action for a workflow transition: its name, description and permission from it."""

    def take(modeladmin, request, queryset):
        return modeladmin.take_on_list(request, queryset, transition)

    take.__name__ = f"{transition.name}_claims"
    words = transition.action.replace("claims", "selected claims", 1)
    description = words[0].upper() + words[1:] + ("…" if transition.needs_reason else "")
    # "claims.publish_claim" → "publish": the ModelAdmin's has_publish_permission()
    permission = transition.permission.split(".", 1)[1].split("_", 1)[0]
    return admin.action(description=description, permissions=[permission])(take)


class MyDraftsFilter(admin.SimpleListFilter):
    """The admin home's "My drafts": drafts the signed-in user created or was the last to change."""

    title = "drafts"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("drafts", "My drafts")]

    def queryset(self, request, queryset):
        if self.value() == "drafts":
            return my_drafts(queryset, request.user)
        return queryset


def my_drafts(queryset, user):
    """Drafts whose history starts with this user (created) or ends with them (the last change)."""
    history = Claim.history.model.objects.filter(id=OuterRef("pk"))
    created = history.filter(history_type="+", history_user=user)
    last_by = history.order_by("-history_date", "-history_id").values("history_user")[:1]
    return (
        queryset.filter(status=Status.DRAFT)
        .alias(last_changed_by=Subquery(last_by))
        .filter(Q(Exists(created)) | Q(last_changed_by=user.pk))
    )


def review_queue(request) -> list[dict]:
    """The admin home's queue: what waits on the signed-in user, with counts and links (three queries)."""
    user = request.user
    claims = reverse("admin:claims_claim_changelist")
    queue = []
    if workflow.may(user, workflow.PUBLISH_PERMISSION):
        queue.append(
            {
                "code": "awaiting_review",
                "label": "Awaiting review",
                "help": "Claims sent to review, for a reviewer to publish or send back.",
                "count": Claim.objects.filter(status=Status.IN_REVIEW).count(),
                "url": f"{claims}?status__exact={Status.IN_REVIEW.value}",
            }
        )
    if workflow.may(user, workflow.CHANGE_PERMISSION):
        queue.append(
            {
                "code": "my_drafts",
                "label": "My drafts",
                "help": "Drafts you created or were the last to change.",
                "count": my_drafts(Claim.objects.all(), user).count(),
                "url": f"{claims}?{MyDraftsFilter.parameter_name}=drafts",
            }
        )
    if workflow.may(user, workflow.PUBLISH_PERMISSION):
        proposals = ChangeProposal.objects.filter(state=ChangeProposal.State.OPEN)
        url = None
        if admin.site.is_registered(ChangeProposal):
            url = reverse("admin:claims_changeproposal_changelist") + "?state__exact=open"
        queue.append(
            {
                "code": "proposed_changes",
                "label": "Proposed changes",
                "help": "Editors' proposed changes to published claims, to make with a public note or decline.",
                "count": proposals.count(),
                "url": url,
            }
        )
    for row in QUEUE_ROWS:
        extra = row(request)
        if extra is not None:
            queue.append(extra)
    return queue


# Rows other apps add to the admin home's queue (the archive's "Sources to look at", failed background work):
# each is called with the request and returns a row like those above, or None when it is not the user's.
QUEUE_ROWS: list = []


@admin.register(Claim)
class ClaimAdmin(ServiceAdmin):
    form = ClaimAdminForm
    allow_revert = False  # a revert would bypass the workflow and the version guard
    list_display = ["claim", "status", "verdict", "claimant", "updated", "published"]
    list_filter = ["status", "verdict", "topics", MyDraftsFilter]
    search_fields = ["text", "slug", "claimant__name"]
    list_select_related = ["claimant"]
    autocomplete_fields = ["claimant", "first_appearance", "topics"]
    readonly_fields = ["status", "verdict", "current_version", "published_at", "retracted_at", "retraction_reason"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "text",
                    "slug",
                    "claimant",
                    ("first_appearance", "first_appeared_on"),
                    "topics",
                    "summary",
                    "language",
                    "version",
                ]
            },
        ),
        (
            "Workflow",
            {
                "fields": [
                    ("status", "verdict", "current_version"),
                    "published_at",
                    ("retracted_at", "retraction_reason"),
                ],
                "description": "These change only through the workflow: the actions on the claim list and the "
                "buttons above (send to review, publish, retract, set verdict).",
            },
        ),
    ]
    inlines = [EvidenceInline, VerdictChangeInline, PublicNoteInline]
    show_full_result_count = False
    ordering = ["-updated_at", "-id"]  # recently worked on first; served by the claim_updated_id index
    paginator = EstimatedCountPaginator
    actions = [*(_list_action(transition) for transition in workflow.TRANSITIONS.values()), "download_csv"]

    @admin.display(description="claim", ordering="text")
    def claim(self, obj):
        return Truncator(obj.text).chars(100)

    # Dates by day (the time in the tooltip), so that the list fits a 1280 px window beside its filters.
    @admin.display(description="updated", ordering="updated_at")
    def updated(self, obj):
        return _day(obj.updated_at)

    @admin.display(description="published", ordering="published_at")
    def published(self, obj):
        return _day(obj.published_at)

    @admin.display(description="version")
    def current_version(self, obj):
        return obj.version if obj and obj.pk else "–"

    def has_publish_permission(self, request):
        return workflow.may(request.user, workflow.PUBLISH_PERMISSION)

    def get_form(self, request, obj=None, change=False, **kwargs):
        # `version` is the form's own hidden field; the model field is not editable.
        fields = kwargs.pop("fields", None) or flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [name for name in fields if name != "version"]
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and (obj.status in PUBLIC_STATUSES or obj.published_at):
            fields.append("slug")  # a published claim's URL is stable
        if locked_for(request, obj):
            fields += [name for name in workflow.PUBLIC_FIELDS if name in services.CLAIM_FIELDS or name == "topics"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and workflow.is_on_record(obj) and may_publish(request):
            fieldsets = [*fieldsets, NOTE_FIELDSET]
        return fieldsets

    # Saving: through claim_create and claim_update, whose version guard is the real one

    def save_model(self, request, obj, form, change):
        if change:
            return  # save_related: the claim and its evidence together, under one public note
        fields = {name: form.cleaned_data[name] for name in services.CLAIM_FIELDS if name in form.cleaned_data}
        topics = form.cleaned_data.get("topics") or ()
        _adopt(obj, _call(services.claim_create, by=request.user, topics=topics, at=_moment(request), **fields))

    def save_related(self, request, form, formsets, change):
        note = form.note()
        if change:
            evidence_changes = any(
                f.has_changed() or f in formset.deleted_forms for formset in formsets for f in formset.forms
            )
            public = [name for name in form.changed_data if name in workflow.PUBLIC_FIELDS]
            fields = {name: form.cleaned_data[name] for name in services.CLAIM_FIELDS if name in form.cleaned_data}
            saved = _call(
                services.claim_update,
                claim=form.instance,
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
                topics=form.cleaned_data.get("topics"),
                at=_moment(request),
                # The note goes with the fields, or with the evidence when only the evidence changed.
                **(note if public or not evidence_changes else {}),
                **fields,
            )
            _adopt(form.instance, saved)
        for formset in formsets:
            save_formset_through_services(request, formset, note=note, at=_moment(request))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["public_change"] = self._public_change(request, obj)
            checklist = None if workflow.is_on_record(obj) else workflow.publish_checklist(obj)
            context["publish_checklist"] = checklist
            context["publish_ready"] = bool(checklist) and all(item.met for item in checklist)
            context["workflow_links"] = self._workflow_links(request, obj, checklist)
            context["similar_claims"] = similar_claims(obj.text, exclude=obj.pk)
        context["similar_url"] = reverse("admin:claims_claim_similar")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_links(self, request, obj, checklist):
        """The buttons: the transitions this user may take now; Publish only once the checklist is met."""
        links = []
        for transition in workflow.available(obj, request.user):
            if transition.name == "publish" and not all(item.met for item in checklist or ()):
                continue  # the checklist on the form says what is missing
            links.append((reverse("admin:claims_claim_workflow", args=[obj.pk, transition.name]), transition.label))
        if workflow.may_set_verdict(obj, request.user):
            links.append((reverse("admin:claims_claim_verdict", args=[obj.pk]), "Set verdict"))
        return links

    def _public_change(self, request, obj) -> dict | None:
        """What the claim form says about changing a claim on the record, and its open proposals."""
        if not workflow.is_on_record(obj):
            return None
        proposals = list(obj.proposals.filter(state=ChangeProposal.State.OPEN).select_related("proposed_by"))
        for proposal in proposals:
            proposal.close_urls = {
                outcome: reverse("admin:claims_claim_proposal_close", args=[obj.pk, proposal.pk, outcome])
                for outcome in (ChangeProposal.State.MADE, ChangeProposal.State.DECLINED)
            }
        return {
            "locked": locked_for(request, obj),
            "may_close": may_publish(request),
            "propose_url": reverse("admin:claims_claim_propose", args=[obj.pk]),
            "proposals": proposals,
        }

    # Deleting: through claim_delete; a claim on the record gets its reason, not a permission failure

    def delete_view(self, request, object_id, extra_context=None):
        claim = self.get_object(request, unquote(object_id))
        if claim is not None and self.has_delete_permission(request, claim):
            refusal = services.claim_delete_refusal(claim=claim)
            if refusal is not None:
                self.message_user(request, " ".join(refusal.messages), messages.ERROR)
                return self._change_redirect(claim)
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        _call(services.claim_delete, claim=obj, by=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions["delete_selected"] = (type(self).delete_claims, name, description)
        return actions

    def delete_claims(self, request, queryset):
        """Django's "delete selected", without the claims on the record: each is named with the reason."""
        refused = []
        for claim in queryset.order_by("pk"):
            refusal = services.claim_delete_refusal(claim=claim)
            if refusal is not None:
                refused.append(claim.pk)
                self.message_user(request, f"“{claim}” was not deleted: {' '.join(refusal.messages)}", messages.ERROR)
        rest = queryset.exclude(pk__in=refused)
        if not rest.exists():
            return None
        return delete_selected(self, request, rest)

    # Proposed changes to a published claim

    def propose_view(self, request, object_id):
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        if not workflow.is_on_record(claim):
            self.message_user(request, "This claim is not published: change it directly.", messages.WARNING)
            return self._change_redirect(claim)
        initial = {"text": claim.text, "summary": claim.summary}
        form = ProposalForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_bound and form.is_valid():
            changes = {
                name: form.cleaned_data[name]
                for name in ("text", "summary")
                if form.cleaned_data[name].strip() and form.cleaned_data[name] != getattr(claim, name)
            }
            try:
                services.proposal_create(
                    claim=claim, by=request.user, message=form.cleaned_data["message"], changes=changes
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, "Your proposed change was sent to the reviewers.", messages.SUCCESS)
                return self._change_redirect(claim)
        context = self._view_context(request, claim, "Propose a change", form=form, media=form.media)
        return TemplateResponse(request, "admin/claims/claim/propose.html", context)

    def proposal_close_view(self, request, object_id, proposal_id, outcome):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        proposal = claim.proposals.filter(pk=proposal_id).first()
        if proposal is None or outcome not in (ChangeProposal.State.MADE, ChangeProposal.State.DECLINED):
            raise Http404("No such proposal.")
        try:
            services.proposal_close(proposal=proposal, by=request.user, outcome=outcome)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            done = "marked as made" if outcome == ChangeProposal.State.MADE else "declined"
            self.message_user(request, f"The proposed change was {done}.", messages.SUCCESS)
        return self._change_redirect(claim)

    # Custom views

    # Search: full-text and ranked (claims/search.py), besides the plain search_fields

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        rank = search_rank(queryset, search_term)
        if rank is None:
            return found, may_have_duplicates
        matched = search_claims(queryset, search_term).values("pk")
        return queryset.filter(Q(pk__in=matched) | Q(pk__in=found.values("pk"))).annotate(search_rank=rank), False

    def get_ordering(self, request):
        term = request.GET.get("q", "")
        if _is_changelist(request, Claim) and "o" not in request.GET and search_rank(Claim.objects.all(), term):
            return [F("search_rank").desc(nulls_last=True)]
        return super().get_ordering(request)

    def similar_view(self, request):
        """JSON for the claim form: tracked claims that look like ?text= (never ?exclude=, the claim itself)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        exclude = request.GET.get("exclude", "")
        if exclude and not (exclude.isascii() and exclude.isdigit() and len(exclude) <= 18):
            return JsonResponse({"error": "exclude must be a claim id."}, status=400)
        claims = similar_claims(request.GET.get("text", ""), exclude=int(exclude) if exclude else None)
        results = [
            {
                "id": claim.pk,
                "text": claim.text,
                "status": claim.status,
                "status_label": claim.get_status_display(),
                "verdict": claim.verdict,
                "verdict_label": claim.get_verdict_display(),
                "similarity": round(claim.similarity, 2),
                "url": reverse("admin:claims_claim_change", args=[claim.pk]),
            }
            for claim in claims
        ]
        return JsonResponse({"results": results}, headers={"Cache-Control": "private, no-store"})

    def get_urls(self):
        return [
            path("similar/", self.admin_site.admin_view(self.similar_view), name="claims_claim_similar"),
            path(
                "<path:object_id>/propose/", self.admin_site.admin_view(self.propose_view), name="claims_claim_propose"
            ),
            path(
                "<path:object_id>/proposals/<int:proposal_id>/<slug:outcome>/",
                self.admin_site.admin_view(self.proposal_close_view),
                name="claims_claim_proposal_close",
            ),
            path(
                "<path:object_id>/verdict/",
                self.admin_site.admin_view(self.set_verdict_view),
                name="claims_claim_verdict",
            ),
            path(
                "<path:object_id>/workflow/<slug:transition>/",
                self.admin_site.admin_view(self.workflow_view),
                name="claims_claim_workflow",
            ),
            *super().get_urls(),
        ]

    def _view_context(self, request, claim, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": claim,
            "title": title,
            "subtitle": str(claim),
            "change_url": reverse("admin:claims_claim_change", args=[claim.pk]),
            **extra,
        }

    def _change_redirect(self, claim):
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))

    def set_verdict_view(self, request, object_id):
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        rated = claim.verdict_changes.exists()
        if request.method == "POST":
            form = VerdictForm(request.POST, rated=rated)
            if form.is_valid():
                try:
                    change = services.claim_set_verdict(claim=claim, by=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    _add_service_errors(form, exc)
                else:
                    self.message_user(
                        request, f"“{claim}” is now rated {change.get_verdict_display()}.", messages.SUCCESS
                    )
                    return self._change_redirect(claim)
        else:
            form = VerdictForm(rated=rated)
        history = claim.verdict_changes.select_related("changed_by")
        context = self._view_context(request, claim, "Set verdict", form=form, history=history, media=form.media)
        return TemplateResponse(request, "admin/claims/claim/set_verdict.html", context)

    def workflow_view(self, request, object_id, transition):
        spec = workflow.TRANSITIONS.get(transition)
        if spec is None:
            raise Http404("No such workflow step.")
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not workflow.may(request.user, spec.permission):
            raise PermissionDenied
        form_class = RetractForm if spec.needs_reason else ConfirmForm
        form = form_class(request.POST) if request.method == "POST" else form_class()
        if form.is_bound and form.is_valid():
            try:
                services.claim_transition(name=spec.name, claim=claim, by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    _add_service_errors(form, exc)
                else:
                    self.message_user(request, _refusal(claim, spec, exc), messages.ERROR)
                    return self._change_redirect(claim)
            else:
                self.message_user(request, f"“{claim}” was {spec.done}.", messages.SUCCESS)
                return self._change_redirect(claim)
        context = self._view_context(
            request,
            claim,
            f"{spec.label}?",
            form=form,
            claims=[claim],
            transition=spec,
            submit_label=spec.label,
            missing=workflow.publish_problems(claim) if spec.name == "publish" else [],
        )
        return TemplateResponse(request, "admin/claims/claim/workflow_confirm.html", context)

    # Actions on the claim list: one per workflow transition (_list_action)

    def take_on_list(self, request, queryset, transition: workflow.Transition):
        if transition.needs_reason:
            form = RetractForm(request.POST) if "confirm" in request.POST else RetractForm()
            if not (form.is_bound and form.is_valid()):
                return self._confirm_on_list(request, queryset, transition, form)
            self._take_each(request, queryset, transition, reason=form.cleaned_data["reason"])
        else:
            self._take_each(request, queryset, transition)
        return None

    def _take_each(self, request, queryset, transition, **fields):
        done = []
        for claim in queryset.order_by("pk"):
            try:
                services.claim_transition(name=transition.name, claim=claim, by=request.user, **fields)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, _refusal(claim, transition, exc), messages.ERROR)
            else:
                done.append(claim)
        if done:
            names = "; ".join(f"“{claim}”" for claim in done)
            noun = "claim" if len(done) == 1 else "claims"
            self.message_user(request, f"{len(done)} {noun} {transition.done}: {names}", messages.SUCCESS)

    def _confirm_on_list(self, request, queryset, transition, form):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": f"{transition.label} claims?",
            "form": form,
            "claims": list(queryset.order_by("pk")),
            "action_name": f"{transition.name}_claims",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "transition": transition,
            "submit_label": transition.label,
            "changelist_url": reverse("admin:claims_claim_changelist"),
        }
        return TemplateResponse(request, "admin/claims/claim/workflow_confirm.html", context)

    @admin.action(description="Download CSV of the selected claims", permissions=["view"])
    def download_csv(self, request, queryset):
        return claims_csv_response(queryset, "claims.csv")


# The other models


@admin.register(Topic)
class TopicAdmin(ServiceAdmin):
    class InUseFilter(admin.SimpleListFilter):
        title = "in use"
        parameter_name = "in_use"

        def lookups(self, request, model_admin):
            return [("yes", "Has claims"), ("no", "No claims")]

        def queryset(self, request, queryset):
            used = Claim.topics.through.objects.values("topic_id")
            if self.value() == "yes":
                return queryset.filter(pk__in=used)
            if self.value() == "no":
                return queryset.exclude(pk__in=used)
            return queryset

    list_display = ["name", "slug", "claim_count"]
    list_filter = [InUseFilter]
    search_fields = ["name", "slug"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _is_changelist(request, Topic):
            queryset = queryset.annotate(claim_count=Count("claims"))
        return queryset

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj):
        return obj.claim_count


@admin.register(Speaker)
class SpeakerAdmin(ServiceAdmin):
    list_display = ["name", "kind", "title", "affiliation", "wikidata_id"]
    list_filter = ["kind"]
    search_fields = ["name", "title", "wikidata_id", "affiliation__name"]
    list_select_related = ["affiliation"]
    autocomplete_fields = ["affiliation"]


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    list_display = ["source", "publisher", "kind", "published_on", "statement_count"]
    list_filter = ["kind", "published_on"]
    search_fields = ["title", "url", "publisher", "author"]
    inlines = [StatementInline]
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _is_changelist(request, Source):
            queryset = queryset.annotate(statement_count=Count("statements"))
        return queryset

    @admin.display(description="statements", ordering="statement_count")
    def statement_count(self, obj):
        return obj.statement_count

    @admin.display(description="title", ordering="title")
    def source(self, obj):
        return obj.title or f"Untitled: {obj.url}"


@admin.register(Statement)
class StatementAdmin(PublicNoteFormAdmin):
    list_display = ["statement", "speaker", "source", "is_quote", "stated_on"]
    list_filter = ["is_quote", "source__kind", "speaker__kind"]
    search_fields = ["text", "speaker__name", "source__title", "source__url"]
    list_select_related = ["speaker", "source"]
    autocomplete_fields = ["source", "speaker"]
    inlines = [StatementEvidenceInline]
    show_full_result_count = False

    @admin.display(description="statement", ordering="text")
    def statement(self, obj):
        return Truncator(obj.text).chars(100)


@admin.register(Evidence)
class EvidenceAdmin(PublicNoteFormAdmin):
    list_display = ["claim", "statement", "stance", "rank"]
    list_filter = ["stance", "rank", "claim__status"]
    search_fields = ["claim__text", "statement__text", "statement__speaker__name", "note"]
    list_select_related = ["claim", "statement__speaker"]
    autocomplete_fields = ["claim", "statement"]
    show_full_result_count = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "statement":
            kwargs["queryset"] = Statement.objects.select_related("speaker")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return not locked_for(request, obj and obj.claim) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not locked_for(request, obj and obj.claim) and super().has_delete_permission(request, obj)


@admin.register(VerdictChange)
class VerdictChangeAdmin(ReadOnly, HistoryAdmin):
    """The public verdict history: read-only here; it grows only through a claim's "Set verdict"."""

    list_display = ["claim", "previous_verdict", "verdict", "kind", "changed_by", "changed_at"]
    fields = ["claim", "previous_verdict", "verdict", "kind", "reason", "who", "changed_at"]
    readonly_fields = ["who"]
    list_filter = ["kind", "verdict", "changed_at"]
    search_fields = ["claim__text", "reason", "changed_by__username"]
    list_select_related = ["claim", "changed_by"]
    autocomplete_fields = ["claim", "changed_by"]
    show_full_result_count = False

    @admin.display(description="changed by")
    def who(self, obj):
        return _who(obj)


@admin.register(ExternalReview)
class ExternalReviewAdmin(ServiceAdmin):
    """Other fact-checkers' reviews (imported).

    The groups' data migration predates this model, so its permissions fall back to the claim's:
    whoever may view/change claims may view/change their external reviews; deleting needs publish.
    """

    list_display = ["claim", "publisher_name", "textual_rating", "mapped_verdict", "reviewed_on"]
    list_filter = ["mapped_verdict", "reviewed_on"]
    search_fields = ["url", "title", "publisher_name", "textual_rating", "claim__text"]
    list_select_related = ["claim"]
    autocomplete_fields = ["claim"]
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm("claims.view_claim")

    def has_add_permission(self, request):
        return super().has_add_permission(request) or request.user.has_perm("claims.change_claim")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or request.user.has_perm("claims.change_claim")

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) or request.user.has_perm(workflow.PUBLISH_PERMISSION)


# Public notes, proposed changes and public names


@admin.register(PublicNote)
class PublicNoteAdmin(ReadOnly, HistoryAdmin):
    """Every public note on published claims: read-only; a note is written with the change it explains."""

    list_display = ["claim", "kind", "reason", "changed_fields", "written_by", "published_at"]
    fields = list_display
    readonly_fields = list_display
    list_filter = ["kind", "published_at"]
    search_fields = ["claim__text", "reason"]
    list_select_related = ["claim", "written_by"]
    autocomplete_fields = ["claim", "written_by"]
    allow_revert = False
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("claims.view_claim")

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(ChangeProposal)
class ChangeProposalAdmin(ReadOnly, HistoryAdmin):
    """Editors' proposed changes to published claims; open ones first. A reviewer makes the change on the claim
    (with a public note), then marks the proposal as made, or declines it."""

    class StateFilter(admin.SimpleListFilter):
        title = "state"
        parameter_name = "state"

        def lookups(self, request, model_admin):
            return [*ChangeProposal.State.choices, ("all", "All")]

        def choices(self, changelist):
            for lookup, title in self.lookup_choices:
                yield {
                    "selected": (self.value() or ChangeProposal.State.OPEN) == lookup,
                    "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                    "display": title,
                }

        def queryset(self, request, queryset):
            value = self.value() or ChangeProposal.State.OPEN
            return queryset if value == "all" else queryset.filter(state=value)

    list_display = ["claim", "message", "state", "proposed_by", "proposed_at", "closed_by", "closed_at"]
    fields = ["claim_link", "message", "changes", "state", "proposed_by", "proposed_at", "closed_by", "closed_at"]
    readonly_fields = fields
    list_filter = [StateFilter]
    search_fields = ["claim__text", "message"]
    list_select_related = ["claim", "proposed_by", "closed_by"]
    autocomplete_fields = ["claim", "proposed_by", "closed_by"]
    actions = ["mark_made", "decline"]
    allow_revert = False
    show_full_result_count = False

    @admin.display(description="claim")
    def claim_link(self, obj):
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', reverse("admin:claims_claim_change", args=[obj.claim_id]), obj.claim)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("claims.view_claim")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_publish_permission(self, request):
        return may_publish(request)

    def _close(self, request, queryset, outcome, done):
        closed = 0
        for proposal in queryset.order_by("pk"):
            try:
                services.proposal_close(proposal=proposal, by=request.user, outcome=outcome)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{proposal}: {' '.join(_error_messages(exc))}", messages.ERROR)
            else:
                closed += 1
        if closed:
            self.message_user(request, f"{closed} proposed change(s) {done}.", messages.SUCCESS)

    @admin.action(description="Mark the selected proposals as made", permissions=["publish"])
    def mark_made(self, request, queryset):
        self._close(request, queryset, ChangeProposal.State.MADE, "marked as made")

    @admin.action(description="Decline the selected proposals", permissions=["publish"])
    def decline(self, request, queryset):
        self._close(request, queryset, ChangeProposal.State.DECLINED, "declined")


@admin.register(PublicProfile)
class PublicProfileAdmin(HistoryAdmin):
    """Public names in bylines. Every staff member sets their own ("Your public name"); whoever may change
    public names (an admin) sets anyone's."""

    list_display = ["user", "public_name"]
    list_filter = ["user__is_active"]
    fields = ["user", "public_name"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "public_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    allow_revert = False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or (obj is None and self.has_module_permission(request))

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def changelist_view(self, request, extra_context=None):
        if not request.user.has_perm("claims.view_publicprofile"):
            return HttpResponseRedirect(reverse("admin:claims_publicprofile_me"))
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        user = obj.user if change else form.cleaned_data["user"]
        try:
            profile = services.public_name_set(user=user, by=request.user, public_name=obj.public_name)
        except (ValidationError, PermissionDenied) as exc:
            raise Refused(exc) from exc
        _adopt(obj, profile)

    def delete_model(self, request, obj):
        _call(services.public_name_set, user=obj.user, by=request.user, public_name="")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            self.message_user(request, " ".join(_error_messages(refused.error)), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def me_view(self, request):
        """Your public name: how readers see you in the bylines of the claims you checked."""
        profile = PublicProfile.objects.filter(user=request.user).first()
        form = PublicNameForm(
            request.POST if request.method == "POST" else None,
            initial={"public_name": profile.public_name if profile else ""},
        )
        if form.is_bound and form.is_valid():
            try:
                services.public_name_set(user=request.user, by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, "Your public name was saved.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "title": "Your public name",
            "form": form,
            "media": form.media,
            "full_name": request.user.get_full_name() or request.user.get_username(),
        }
        return TemplateResponse(request, "admin/claims/publicprofile/me.html", context)

    def get_urls(self):
        return [
            path("me/", self.admin_site.admin_view(self.me_view), name="claims_publicprofile_me"),
            *super().get_urls(),
        ]
