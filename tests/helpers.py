"""What several test modules share: running the project in a fresh interpreter, filling the admin's forms, and
running the background tasks the code under test enqueued."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connections
from django.forms import CheckboxInput
from django.urls import reverse
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskContext, task_backends
from django_tasks.backends.dummy import DummyBackend
from rest_framework.test import APIClient

from apikeys.scopes import ALL_SCOPES
from apikeys.services import key_create
from background.tasks import EnqueueOnCommit

ROOT = Path(__file__).resolve().parent.parent

# Running manage.py or Python in a fresh interpreter

SECRET = "a-test-secret-that-is-long-enough-for-the-checks-0123456789"


def clean_env(**env) -> dict:
    """Only what a process needs to run, plus the given variables: nothing leaks in from pytest-env."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "factcheck.settings"}
    return {**base, **env}


def run(args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, *args], cwd=ROOT, env=clean_env(**env), capture_output=True, text=True, timeout=120
    )


# The admin's forms


def admin_url(model, page, *args):
    return reverse(f"admin:claims_{model}_{page}", args=args)


def form_data(response):
    """What the browser would post back unchanged: the main form and every inline formset."""
    data = {}

    def put(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        put(inline.formset.management_form)
        for form in inline.formset.forms:
            put(form)
    return data


def claim_change(client, claim):
    response = client.get(admin_url("claim", "change", claim.pk))
    assert response.status_code == 200
    return form_data(response)


def messages_of(response):
    """The admin messages a response carries."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def api_key(user, scopes=ALL_SCOPES, **fields) -> str:
    """A new API key of the user's (every scope unless told), as its text."""
    return key_create(owner=user, name=fields.pop("name", "Test key"), scopes=list(scopes), **fields)[1]


def key_client(user, scopes=ALL_SCOPES, **fields):
    """An API client that sends a new API key of the user's (every scope unless told): `Authorization: Api-Key`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key(user, scopes, **fields)}")
    return client


# Background tasks


def run_tasks(*, raise_errors: bool = True) -> int:
    """Run the tasks waiting in the dummy task backend (the suite's default, FACTCHECK_TASKS=dummy), and the ones
    they enqueue in turn, until none is due; answer how many ran. Each is taken off the backend as it runs.

    `background.tasks.enqueue()` enqueues when the transaction commits, which a test in a transaction (the `db`
    fixture) never does: its pending enqueues are made first, as the commit would. A run whose `run_after` is still
    ahead (a retry waiting out its backoff) stays waiting: move the clock (freezegun) and call again. A task that
    raises stops the run with its error, unless `raise_errors=False` (then it counts as run, as in a worker: its
    failure and retry are recorded by background.tasks).
    """
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    assert isinstance(backend, DummyBackend), f"run_tasks() runs the dummy task backend's tasks, not {backend!r}"
    ran = 0
    while True:
        _commit_enqueues()
        now = timezone.now()
        due = [r for r in backend.results if r.task.run_after is None or r.task.run_after <= now]
        if not due:
            return ran
        for result in due:
            backend.results.remove(result)
            ran += 1
            try:
                if result.task.takes_context:
                    result.task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
                else:
                    result.task.call(*result.args, **result.kwargs)
            except Exception:
                if raise_errors:
                    raise
            _commit_enqueues()


# Real task backends, for the tests that run a worker in-process (with the `signals_kept` fixture, and
# `django_db(transaction=True)` so the worker sees what the test wrote; `rq_redis` for RQ).
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RQ_TEST_URL = os.environ.get("RQ_TEST_URL", "redis://127.0.0.1:6379/14")
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


def db_worker(*args) -> str:
    """Run django-tasks-db's worker (our db_worker) until the queue is empty; answer what it printed."""
    out = StringIO()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", *args, stdout=out, stderr=out)
    return out.getvalue()


def rq_worker() -> str:
    """Run an RQ worker (our rqworker) in this process until the queue is empty; answer what it printed."""
    out = StringIO()
    call_command("rqworker", "--burst", "--worker-class", "rq.worker.SimpleWorker", stdout=out, stderr=out)
    return out.getvalue()


def waiting_tasks() -> list:
    """The runs waiting in the dummy task backend (TaskResult: .task.name, .args, .kwargs, .task.run_after), the
    enqueues waiting for the test's transaction to commit made first: to check what the code under test enqueued."""
    _commit_enqueues()
    return list(task_backends[DEFAULT_TASK_BACKEND_ALIAS].results)


def _commit_enqueues() -> None:
    """Make the enqueues (background.tasks.enqueue) waiting for the test's transaction to commit."""
    for connection in connections.all(initialized_only=True):
        waiting = [entry for entry in connection.run_on_commit if isinstance(entry[1], EnqueueOnCommit)]
        connection.run_on_commit = [e for e in connection.run_on_commit if not isinstance(e[1], EnqueueOnCommit)]
        for _savepoints, callback, _robust in waiting:
            callback()


# The source archive


def warc_of(url: str, body: bytes, *, content_type: str = "text/html; charset=utf-8", gzip: bool = True) -> bytes:
    """A WARC file holding one HTTP response with body, written with warcio as the archive writes them."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers))
    return out.getvalue()


def with_warc(capture, body: bytes, **options):
    """The capture with a WARC file of body saved into the captures storage."""
    from django.core.files.base import ContentFile

    suffix = ".warc.gz" if options.get("gzip", True) else ".warc"
    capture.warc.save(f"{capture.key}{suffix}", ContentFile(warc_of(capture.url, body, **options)))
    return capture
