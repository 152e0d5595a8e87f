"""The README's curl session (section "API") runs as written against a live server and does what it says."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from claims.models import Claim, Status, Verdict
from tests.factories import ReviewerFactory

README = Path(__file__).resolve().parents[1] / "README.md"
API_LINE = "API=http://127.0.0.1:8000/api/v1"
TOKEN_LINE = "TOKEN=$(DJANGO_DEBUG=1 .venv/bin/python manage.py create_api_token reviewer)"


def readme_api_shell_blocks() -> list[str]:
    section = README.read_text().split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.DOTALL)


def test_the_readme_session_sets_up_as_this_test_expects():
    session = readme_api_shell_blocks()[0]
    assert API_LINE in session and TOKEN_LINE in session


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_readme_curl_session_works(live_server, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}
    cache.clear()
    token = Token.objects.create(user=ReviewerFactory(username="reviewer")).key
    # The two lines that depend on the machine: the server's address, and the token made in this database.
    script = "\n".join(readme_api_shell_blocks())
    script = script.replace(API_LINE, f"API={live_server.url}/api/v1").replace(TOKEN_LINE, f"TOKEN={token}")
    run = subprocess.run(  # noqa: S603 - the README's own commands
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607 - bash from PATH
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # curl prints JSON without a final newline, so each answer runs into the next one's start.
    assert re.search(r"\bpublished$", run.stdout, re.MULTILINE)  # `... publish/ | field status`
    assert re.search(r"\b304$", run.stdout, re.MULTILINE)  # the conditional GET

    claim = Claim.objects.get(text="OpenAI paused Sora early access after the leak.")
    assert claim.status == Status.PUBLISHED and claim.verdict == Verdict.TRUE
    assert claim.summary == "**True.**"  # the PATCH with If-Match
    evidence = claim.evidence.get()
    assert evidence.statement.source.url == "https://example.org/2024/11/openai-statement"
    assert claim.verdict_changes.get().reason == "OpenAI said so in its statement."
    assert f'"slug":"{claim.slug}"' in run.stdout  # read back anonymously
    assert '"@type":"ClaimReview"' in run.stdout
