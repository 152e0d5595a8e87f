"""Tasks for tests/test_background.py, at module level so that a worker imports them by path."""

from datetime import timedelta

from django.contrib.auth.models import Group

from background.tasks import RECURRING, GiveUp, recurring, task

# What ran, in order, in this process (the in-process workers of the tests run here too).
CALLS: list[tuple] = []


@task(attempts=3, backoff=timedelta(seconds=30))
def always_fails(label: str) -> None:
    CALLS.append(("always_fails", label))
    raise RuntimeError(f"cannot do {label}")


@task(attempts=3, backoff=timedelta(seconds=30))
def fails_once(label: str) -> str:
    """Fails the first time it runs for a label; the retry works. Takes no **kwargs: it never sees the attempt."""
    CALLS.append(("fails_once", label))
    if sum(1 for call in CALLS if call == ("fails_once", label)) == 1:
        raise ConnectionError(f"{label}: the server did not answer")
    return f"done {label}"


@task(attempts=5)
def refuses(label: str) -> None:
    CALLS.append(("refuses", label))
    raise GiveUp(f"{label} can never work")


@task()
def ensure_group(name: str) -> None:
    """Idempotent: run twice, it leaves the one group."""
    CALLS.append(("ensure_group", name))
    Group.objects.get_or_create(name=name)


TICK_EVERY = timedelta(minutes=10)


@recurring(every=TICK_EVERY)
def tick() -> None:
    CALLS.append(("tick",))


# Registered only by the tests that want it (tests/test_background.py), not in every worker the suite starts.
TICK = RECURRING.pop(tick.module_path)
