"""A change written to the public record (claims.PublicChange, the outbox) asks for a fan-out once its transaction
commits: a change that rolls back asks for nothing, and the recurring sweep picks up whatever a lost enqueue
missed."""

from background.tasks import enqueue


def dispatch_on_change(sender, *, instance, created, **kwargs) -> None:
    from .tasks import dispatch_changes

    if created:
        enqueue(dispatch_changes)
