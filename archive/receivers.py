"""A source added or given a new URL is captured (and, by setting, sent to Save Page Now)."""

from django.conf import settings

from background.tasks import enqueue


def capture_on_url_set(sender, *, source, by, reason, **kwargs) -> None:
    from . import services, tasks

    if services.is_paused():
        return
    services.capture_request(source=source, reason=reason, by=by)
    if settings.SAVE_PAGE_NOW and reason == "created":
        enqueue(tasks.save_page_now, source.pk)
