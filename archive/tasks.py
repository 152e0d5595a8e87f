"""The archive's background work (background/: retried with backoff when something unexpected fails). Each task
is idempotent: run twice, it changes nothing more."""

from django.conf import settings

from background.tasks import recurring, task

from . import services


@task(attempts=5)
def capture_source(capture_id: int) -> None:
    """Fetch and record one pending capture. A page that fails to load is a capture of its own (failed), not a
    failure of the task; the task is retried only when recording it fails (storage, database)."""
    services.capture_run(capture_id)


@recurring(every=settings.WATCH_EVERY)
def watch_tick() -> None:
    """The watch: ask again for captures whose fetch was lost, then for captures of the cited sources that are due."""
    services.requeue_lost()
    services.check_due()


@task(attempts=5)
def save_page_now(source_id: int) -> None:
    services.save_page_now(source_id)
