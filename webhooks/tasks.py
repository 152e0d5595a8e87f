"""Webhooks' background work (background/): each task is idempotent, and none holds a transaction across the POST."""

from django.conf import settings

from background.tasks import recurring, task

from . import services


@task(attempts=3)
def dispatch_changes() -> None:
    """Fan new public changes out into deliveries (enqueued when a change commits)."""
    services.dispatch_changes()


@task(attempts=3)
def deliver(delivery_id: int) -> None:
    """One attempt of one delivery. A receiver that fails is an attempt of its own (retried on the schedule), not a
    failure of the task; the task is retried only when recording it fails (the database)."""
    services.deliver(delivery_id)


@recurring(every=settings.WEBHOOKS_SWEEP_EVERY)
def webhooks_sweep() -> None:
    """The safety net: changes not yet fanned out, and deliveries due whose enqueued attempt was lost."""
    services.sweep()
