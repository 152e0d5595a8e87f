"""`manage.py seed_demo`: the Sora leak story, idempotent, with demo accounts only in debug."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from claims import services
from claims.models import (
    Claim,
    Evidence,
    Source,
    Speaker,
    Statement,
    Status,
    Topic,
    Verdict,
    VerdictChange,
)
from demo import story

pytestmark = pytest.mark.django_db

User = get_user_model()

# Look-alike words of the garbled copy of the article (seed README); none may reach the demo data.
GARBLED_WORDS = [
    "successful",
    "connected",
    "beryllium",
    "arsenic",
    "astatine",
    "immoderate",
    "entree",
    "exemplary",
    "radical",
    "station",
    "missive",
    "lucifer",
    "backmost",
    "protestation",
    "aboriginal",
    "archetypal",
    "unfastened",
    "unopen",
    "grooming",
    "reddish",
    "originative",
    "satellite",
    "corroborate",
    "equilibrium",
    "twelvemonth",
    "cardinal",
]


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Row counts of every table, history and many-to-many tables included, and the claims' state."""
    counts = {m._meta.label: m._default_manager.count() for m in apps.get_models(include_auto_created=True)}
    claims = list(Claim.objects.order_by("pk").values_list("pk", "version", "status", "verdict", "updated_at"))
    return {"counts": counts, "claims": claims}


def all_text() -> str:
    """Every text field of every row of the claims app and its history."""
    chunks = []
    for model in apps.get_app_config("claims").get_models():
        names = [f.name for f in model._meta.fields if isinstance(f, models.CharField | models.TextField)]
        for row in model._default_manager.values_list(*names):
            chunks.extend(str(v) for v in row if v)
    return "\n".join(chunks)


def test_seed_loads_the_story():
    out = seed()
    assert "Loaded the demo story" in out
    assert Claim.objects.count() == 7
    assert Source.objects.count() == 5
    assert Topic.objects.filter(name__in=["AI", "OpenAI", "Sora", "Artists"]).count() == 4
    assert set(Speaker.objects.values_list("name", flat=True)) == {
        "OpenAI",
        "Niko Felix",
        "Mira Murati",
        "Kevin Weil",
        "Sora beta testers",
        "The Verge",
        "TechCrunch",
    }
    felix = Speaker.objects.get(name="Niko Felix")
    assert felix.affiliation == Speaker.objects.get(name="OpenAI")
    assert "spokesperson" in felix.title
    assert Speaker.objects.get(name="Mira Murati").affiliation.name == "OpenAI"
    assert "Former" in Speaker.objects.get(name="Mira Murati").title


def test_sources_are_the_five_of_the_story():
    seed()
    verge = Source.objects.get(publisher="The Verge")
    assert verge.author == "Kylie Robison"
    assert str(verge.published_on) == "2024-11-26"
    assert verge.url == "https://www.theverge.com/2024/11/26/24306879/openai-sora-video-ai-model-leak-artist-protest"
    kinds = dict(Source.objects.values_list("publisher", "kind"))
    assert kinds == {
        "The Verge": Source.Kind.NEWS_ARTICLE,
        "TechCrunch": Source.Kind.NEWS_ARTICLE,
        "Hugging Face": Source.Kind.OPEN_LETTER,
        "The Wall Street Journal": Source.Kind.INTERVIEW,
        "Reddit": Source.Kind.FORUM_POST,
    }
    wsj = Source.objects.get(publisher="The Wall Street Journal")
    assert (wsj.published_on.year, wsj.published_on.month) == (2024, 3)


def test_quotes_are_printed_as_in_the_article_and_paraphrases_marked():
    seed()
    quotes = set(Statement.objects.filter(is_quote=True).values_list("text", flat=True))
    assert {story.FELIX_PREVIEW_QUOTE, story.MURATI_QUOTE, story.LETTER_QUOTE} <= quotes
    assert story.FELIX_PREVIEW_QUOTE.startswith("Sora is still in research preview")
    felix_quote = Statement.objects.get(text=story.FELIX_PREVIEW_QUOTE)
    assert (felix_quote.speaker.name, felix_quote.source.publisher) == ("Niko Felix", "The Verge")
    murati = Statement.objects.get(text=story.MURATI_QUOTE)
    assert (murati.speaker.name, murati.source.publisher) == ("Mira Murati", "The Wall Street Journal")
    paraphrases = Statement.objects.filter(is_quote=False)
    assert paraphrases.filter(speaker__name="Kevin Weil").exists()
    assert paraphrases.filter(speaker__name="The Verge", text__contains="$150 billion").exists()


def test_evidence_stances_follow_the_story():
    seed()

    def stances(slug):
        rows = Evidence.objects.filter(claim__slug=slug).values_list("statement__speaker__name", "stance")
        return sorted(set(rows))

    assert ("Niko Felix", Evidence.Stance.REFUTES) in stances("sora-early-access-uses-artists-as-unpaid-rd-and-pr")
    assert ("Sora beta testers", Evidence.Stance.SUPPORTS) in stances(
        "sora-early-access-uses-artists-as-unpaid-rd-and-pr"
    )
    assert stances("hundreds-of-artists-shaped-soras-development") == [
        ("Niko Felix", Evidence.Stance.SUPPORTS),
        ("Sora beta testers", Evidence.Stance.CONTEXT),
    ]
    assert stances("openai-raised-billions-at-150-billion-valuation") == [("The Verge", Evidence.Stance.SUPPORTS)]
    deprecated = Evidence.objects.filter(rank=Evidence.Rank.DEPRECATED)
    assert deprecated.exists()
    assert all(e.deprecation_reason for e in deprecated)


def test_workflow_states_and_verdict_history():
    seed()
    assert Claim.objects.filter(status=Status.DRAFT).exists()
    assert Claim.objects.filter(status=Status.DRAFT, verdict=Verdict.UNVERIFIED).exists()
    for claim in Claim.objects.public():
        assert claim.verdict != Verdict.UNVERIFIED
        assert claim.verdict_changes.exists()
        assert claim.evidence.exists()
        assert claim.summary
        assert claim.topics.exists()

    forecast = Claim.objects.get(text="Sora will be available by the end of 2024.")
    history = list(forecast.verdict_changes.values_list("previous_verdict", "verdict", "kind"))
    assert history == [
        (Verdict.UNVERIFIED, Verdict.UNPROVEN, VerdictChange.Kind.INITIAL),
        (Verdict.UNPROVEN, Verdict.TRUE, VerdictChange.Kind.UPDATE),
    ]
    update = forecast.verdict_changes.last()
    assert "9 December 2024" in update.reason
    assert update.changed_at > forecast.verdict_changes.first().changed_at
    assert forecast.status == Status.PUBLISHED
    # The update came after publication, as it would in a newsroom.
    statuses = list(forecast.history.order_by("history_id").values_list("status", "verdict"))
    assert statuses.index((Status.PUBLISHED, Verdict.UNPROVEN)) < statuses.index((Status.PUBLISHED, Verdict.TRUE))


def test_workflow_went_through_the_services_as_the_demo_desk():
    seed()
    desk = User.objects.get(username=story.SYSTEM_USERNAME)
    assert not desk.has_usable_password()
    assert set(VerdictChange.objects.values_list("changed_by", flat=True)) == {desk.pk}
    reasons = set(Claim.history.values_list("history_change_reason", flat=True))
    assert {"Sent to review", "Published"} <= reasons
    assert set(Claim.history.values_list("history_user", flat=True)) == {desk.pk}
    assert all(c.version > 1 for c in Claim.objects.exclude(status=Status.DRAFT))


def test_summaries_are_markdown():
    seed()
    assert all("**" in s or "*" in s for s in Claim.objects.values_list("summary", flat=True))


def test_no_garbled_wording_anywhere():
    seed()
    text = all_text().lower()
    found = [w for w in GARBLED_WORDS if re.search(rf"\b{w}\b", text)]
    assert found == []
    assert "sora" in text  # the search itself sees the data


def test_demo_module_does_not_read_the_shared_folder():
    source = Path(story.__file__).read_text()
    assert "../shared" not in source
    assert "seed/README" not in source


def test_second_run_changes_nothing():
    seed()
    before = snapshot()
    out = seed()
    assert snapshot() == before
    assert "already loaded" in out
    assert "nothing changed" in out


def test_second_run_with_accounts_changes_nothing(settings):
    settings.DEBUG = True
    seed()
    before = snapshot()
    out = seed()
    assert snapshot() == before
    assert "already loaded" in out
    assert "reviewer" in out and "factcheck-reviewer" in out


def test_run_does_not_undo_later_editorial_work():
    """Someone retracts a demo claim and sends the draft to review; a new run leaves both alone."""
    seed()
    desk = User.objects.get(username=story.SYSTEM_USERNAME)
    authentic = Claim.objects.get(slug="leaked-sora-access-was-authentic")
    services.claim_retract(claim=authentic, by=desk, reason="Testing a retraction.")
    draft = Claim.objects.get(status=Status.DRAFT)
    services.claim_submit(claim=draft, by=desk)
    before = snapshot()
    assert "already loaded" in seed()
    assert snapshot() == before
    assert Claim.objects.get(pk=authentic.pk).status == Status.RETRACTED


def test_run_completes_a_partly_loaded_story():
    seed()
    Claim.objects.filter(slug="openai-raised-billions-at-150-billion-valuation").delete()
    Evidence.objects.filter(statement__source__publisher="TechCrunch").delete()
    Statement.objects.filter(source__publisher="TechCrunch").delete()
    Source.objects.filter(publisher="TechCrunch").delete()
    assert Claim.objects.count() == 6
    seed()
    assert Claim.objects.count() == 7
    assert Source.objects.count() == 5
    assert Evidence.objects.filter(statement__source__publisher="TechCrunch").count() == 1
    restored = Claim.objects.get(slug="openai-raised-billions-at-150-billion-valuation")
    assert restored.status == Status.PUBLISHED
    assert restored.verdict == Verdict.TRUE


def test_failure_half_way_leaves_nothing(monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("simulated failure while publishing")

    monkeypatch.setattr(services, "claim_publish", refuse)
    with pytest.raises(RuntimeError):
        seed()
    assert not Claim.objects.exists()
    assert not Source.objects.exists()
    assert not VerdictChange.objects.exists()
    assert not Claim.history.exists()


# Accounts


def test_accounts_created_with_debug_on(settings, client):
    settings.DEBUG = True
    out = seed()
    editor, reviewer, admin = (User.objects.get(username=n) for n in ("editor", "reviewer", "admin"))
    assert editor.is_staff and list(editor.groups.values_list("name", flat=True)) == ["Editors"]
    assert reviewer.is_staff and list(reviewer.groups.values_list("name", flat=True)) == ["Reviewers"]
    assert admin.is_superuser and admin.is_staff
    assert reviewer.has_perm("claims.publish_claim")
    assert not editor.has_perm("claims.publish_claim")
    for username, (password, _group, _superuser) in story.DEMO_ACCOUNTS.items():
        assert f"{username}" in out and password in out
    assert "http://127.0.0.1:8000/admin/" in out
    # The printed login works.
    assert client.login(username="reviewer", password="factcheck-reviewer")
    assert client.get(reverse("admin:index")).status_code == 200


def test_no_accounts_with_debug_off():
    out = seed()
    assert not User.objects.filter(username__in=story.DEMO_ACCOUNTS).exists()
    assert list(User.objects.values_list("username", flat=True)) == [story.SYSTEM_USERNAME]
    assert "Not creating demo accounts: DEBUG is off" in out
    assert "factcheck-reviewer" not in out
    assert Claim.objects.count() == 7  # the story is loaded all the same


def test_no_accounts_flag(settings):
    settings.DEBUG = True
    out = seed("--no-accounts")
    assert not User.objects.filter(username__in=story.DEMO_ACCOUNTS).exists()
    assert "--no-accounts" in out
    assert Claim.objects.count() == 7


def test_existing_account_is_left_alone(settings):
    settings.DEBUG = True
    seed()
    reviewer = User.objects.get(username="reviewer")
    reviewer.set_password("a new secret of their own")
    reviewer.save()
    out = seed()
    reviewer.refresh_from_db()
    assert reviewer.check_password("a new secret of their own")
    assert "password changed since it was created" in out
    assert re.search(r"reviewer\s+password changed", out)


# Refusals


def test_refuses_an_unmigrated_database_with_a_clear_message(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "manage.py", "seed_demo"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "run `python manage.py migrate` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_refuses_when_the_groups_are_missing():
    Group.objects.filter(name="Reviewers").delete()
    with pytest.raises(CommandError, match="Reviewers group"):
        seed()
    assert not Claim.objects.exists()
    assert not User.objects.exists()


def test_failure_creating_accounts_leaves_no_story(settings, monkeypatch):
    settings.DEBUG = True

    def refuse():
        raise RuntimeError("simulated failure while creating accounts")

    monkeypatch.setattr("demo.management.commands.seed_demo.ensure_demo_accounts", refuse)
    with pytest.raises(RuntimeError):
        seed()
    assert not Claim.objects.exists()
    assert not User.objects.exists()
