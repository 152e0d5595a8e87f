"""The README's curl session (section "API") runs as written against a live server and does what it says."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache

from claims import services
from claims.models import Claim, Evidence, Source, Statement, Status, VerdictChange
from tests.factories import ClaimFactory, ReviewerFactory
from tests.helpers import api_key

README = Path(__file__).resolve().parents[1] / "README.md"
API_LINE = "API=http://127.0.0.1:8000/api/v1"
KEY_LINE = (
    'KEY=$(DJANGO_DEBUG=1 .venv/bin/python manage.py create_api_key "curl session" --user reviewer '
    "--scopes read,write,submit,publish --expires 1)"
)


def readme_api_shell_blocks() -> list[str]:
    section = README.read_text().split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.DOTALL)


def test_the_readme_session_sets_up_as_this_test_expects():
    session = readme_api_shell_blocks()[0]
    assert API_LINE in session and KEY_LINE in session


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readme_curl_session_works_and_publishes_nothing(live_server, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "key": None},
    }
    cache.clear()
    reviewer = ReviewerFactory(username="reviewer")
    key = api_key(reviewer, scopes=["read", "write", "submit", "publish"])
    # The demo's published fact check, which the session reads.
    demo = ClaimFactory(ready=True, text="A published demo claim.")
    services.claim_set_verdict(claim=demo, by=reviewer, verdict="mostly_false", kind="initial", reason="Checked.")
    services.claim_submit(claim=demo, by=reviewer)
    services.claim_publish(claim=demo, by=reviewer)
    demo.refresh_from_db()
    before = {model: model.objects.count() for model in (Claim, Source, Statement, Evidence, VerdictChange)}
    # The two lines that depend on the machine: the server's address, and the key made in this database.
    script = "\n".join(readme_api_shell_blocks())
    script = script.replace(API_LINE, f"API={live_server.url}/api/v1").replace(KEY_LINE, f"KEY={key}")
    run = subprocess.run(  # noqa: S603 - the README's own commands
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607 - bash from PATH
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # curl prints JSON without a final newline, so each answer runs into the next one's start.
    assert f'"slug":"{demo.slug}"' in run.stdout  # the demo's claim read back anonymously
    assert '"@type":"ClaimReview"' in run.stdout
    assert re.search(r"\bin_review$", run.stdout, re.MULTILINE)  # `... submit/ | field status`
    assert '"status":400' in run.stdout  # publishing the test draft refused: it has no verdict and no summary
    assert re.search(r"\b304$", run.stdout, re.MULTILINE)  # the conditional GET
    assert re.search(r"^3$", run.stdout, re.MULTILINE)  # the PATCH with If-Match: version 3 (1 made, 2 sent)
    assert re.search(r"\b412$", run.stdout, re.MULTILINE)  # the stale If-Match refused
    assert len(re.findall(r"\b204$", run.stdout, re.MULTILINE)) == 3  # the test rows deleted

    # Nothing made up was published, and the test rows are gone: the database is as the demo left it.
    assert {model: model.objects.count() for model in before} == before
    assert list(Claim.objects.filter(status=Status.PUBLISHED)) == [demo]
    assert not Claim.objects.filter(text__contains="[API test]").exists()
    demo_after = Claim.objects.get(pk=demo.pk)
    assert (demo_after.version, demo_after.summary) == (demo.version, demo.summary)
