"""PROVISIONAL: replaced by the background branch (retries, recurring work)."""

from django.db import transaction
from django_tasks import task as _task


def task(*, attempts: int = 5, backoff=None, **options):
    def wrap(function):
        return _task(**options)(function)

    return wrap


def recurring(*, every):
    def wrap(t):
        return t

    return wrap


def enqueue(t, *args, **kwargs) -> None:
    transaction.on_commit(lambda: t.enqueue(*args, **kwargs))
