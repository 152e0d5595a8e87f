"""Polling the followed sites (background/). Each poll is idempotent: a page read twice imports nothing twice."""

from django.conf import settings

from background.tasks import enqueue, recurring, task

from . import services


@task(attempts=1)
def poll_site(site_id: int) -> None:
    """Poll one followed site. A site that fails is not retried here: its own backoff (next_check_at) says when."""
    services.poll(site_id)


@recurring(every=settings.FOLLOW_EVERY)
def follow_tick() -> None:
    """Ask for a poll of each followed site that is due."""
    for site_id in services.lease_due():
        enqueue(poll_site, site_id)
