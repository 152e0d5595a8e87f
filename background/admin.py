"""What failed and why (read-only, with "retry now"), and the recurring schedule."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from claims.admin import QUEUE_ROWS

from .models import RecurringTask, TaskFailure
from .tasks import recent_failures, retry_failure


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TaskFailure)
class TaskFailureAdmin(ReadOnlyAdmin):
    list_display = ("failed_at", "task_name", "attempt_of", "exception_name", "short_message", "outcome")
    list_filter = ("task_path", "gave_up", ("retried_at", admin.EmptyFieldListFilter), "exception_class")
    search_fields = ("task_path", "exception_class", "message", "task_result_id")
    date_hierarchy = "failed_at"
    actions = ["retry_now"]
    fields = (
        "task_path",
        "args",
        "kwargs",
        "attempt_of",
        "outcome",
        "failed_at",
        "retry_at",
        "retried_at",
        "exception_class",
        "message",
        "traceback_text",
        "task_result_id",
    )
    readonly_fields = fields

    @admin.display(description="task", ordering="task_path")
    def task_name(self, failure: TaskFailure) -> str:
        return failure.task_name

    @admin.display(description="attempt")
    def attempt_of(self, failure: TaskFailure) -> str:
        return f"{failure.attempt} of {failure.attempts}"

    @admin.display(description="exception", ordering="exception_class")
    def exception_name(self, failure: TaskFailure) -> str:
        return failure.exception_name

    @admin.display(description="message")
    def short_message(self, failure: TaskFailure) -> str:
        return Truncator(failure.message).chars(120)

    @admin.display(description="outcome")
    def outcome(self, failure: TaskFailure) -> str:
        if failure.retried_at:
            return f"enqueued again by hand {failure.retried_at:%Y-%m-%d %H:%M}"
        if failure.retry_at:
            return f"retry at {failure.retry_at:%Y-%m-%d %H:%M:%S}"
        return "gave up" if failure.gave_up else "not retried"

    @admin.display(description="traceback")
    def traceback_text(self, failure: TaskFailure) -> str:
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', failure.traceback)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("background.change_taskfailure")

    @admin.action(description="Retry now (from the first attempt)", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[TaskFailure]) -> None:
        done = 0
        for failure in queryset:
            try:
                retry_failure(failure=failure)
            except ValueError as error:
                self.message_user(request, f"Not enqueued: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"Enqueued {done} again, from the first attempt.", messages.SUCCESS)


@admin.register(RecurringTask)
class RecurringTaskAdmin(ReadOnlyAdmin):
    list_display = ("name", "every", "last_run_at", "next_run_at", "next_run_id")
    search_fields = ("name",)
    readonly_fields = ("name", "every", "last_run_at", "next_run_at", "next_run_id")
    exclude = ("next_run_token",)


def gave_up_row(request: HttpRequest) -> dict | None:
    """The admin home's queue: background work that gave up this week, for those who may see it."""
    if not request.user.has_perm("background.view_taskfailure"):
        return None
    return {
        "code": "work_that_gave_up",
        "label": "Background work that gave up",
        "help": "Tasks that failed after their last attempt in the last 7 days: what failed and why.",
        "count": recent_failures().count(),
        "url": reverse("admin:background_taskfailure_changelist") + "?gave_up__exact=1",
    }


QUEUE_ROWS.append(gave_up_row)
