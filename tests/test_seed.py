"""`manage.py seed_demo`: the Sora leak story from demo/data/sora-leak.json, loaded through the services with its
real 2024 dates, idempotent, with demo accounts only in debug."""

import datetime
import json
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
from django.utils import timezone

from claims import services, workflow
from claims.models import (
    Claim,
    Evidence,
    PublicProfile,
    Source,
    Speaker,
    Statement,
    Status,
    Topic,
    Verdict,
    VerdictChange,
    public_name,
)
from demo import accounts, loader
from exchange.dataset import import_dataset

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

# As printed in The Verge's article.
FELIX_PREVIEW_QUOTE = (
    "Sora is still in research preview, and we're working to balance creativity with robust safety measures "
    "for broader use."
)
MURATI_QUOTE = (
    "we will not release anything we don't feel confident on when it comes to how it might affect global "
    "elections or other issues."
)
LETTER_QUOTE = (
    "We are not against the use of AI technology as a tool for the arts ... What we don't agree with is "
    "how this artist program has been rolled out and how the tool is shaping up ahead of a possible public release."
)
FORECAST = "sora-will-be-available-by-the-end-of-2024"


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Row counts of every table, history and many-to-many tables included, and the claims' state."""
    tables = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed]  # not django-rq's dashboard
    counts = {m._meta.label: m._default_manager.count() for m in tables}
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
    assert {FELIX_PREVIEW_QUOTE, MURATI_QUOTE, LETTER_QUOTE} <= quotes
    felix_quote = Statement.objects.get(text=FELIX_PREVIEW_QUOTE)
    assert (felix_quote.speaker.name, felix_quote.source.publisher) == ("Niko Felix", "The Verge")
    murati = Statement.objects.get(text=MURATI_QUOTE)
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
    desk = User.objects.get(username=accounts.SYSTEM_USERNAME)
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


def test_demo_story_does_not_read_the_shared_folder():
    for path in (Path(loader.__file__), loader.STORY_FILE):
        source = path.read_text()
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
    desk = User.objects.get(username=accounts.SYSTEM_USERNAME)
    authentic = Claim.objects.get(slug="leaked-sora-access-was-authentic")
    services.claim_retract(claim=authentic, by=desk, reason="Testing a retraction.")
    draft = Claim.objects.get(status=Status.DRAFT)
    services.claim_submit(claim=draft, by=desk)
    before = snapshot()
    assert "already loaded" in seed()
    assert snapshot() == before
    assert Claim.objects.get(pk=authentic.pk).status == Status.RETRACTED


def test_run_completes_a_partly_loaded_story():
    """A reviewer deleted the draft claim and the statement only it cited; a new run puts both back."""
    seed()
    desk = User.objects.get(username=accounts.SYSTEM_USERNAME)
    draft = Claim.objects.get(slug="every-sora-output-must-be-approved-by-openai")
    statement = draft.evidence.get().statement
    services.claim_delete(claim=draft, by=desk)
    services.statement_delete(statement=statement, by=desk)
    assert Claim.objects.count() == 6
    out = seed()
    assert "created 1 claims, 1 evidence, 1 statements" in out
    assert Claim.objects.count() == 7
    assert Source.objects.count() == 5
    restored = Claim.objects.get(slug="every-sora-output-must-be-approved-by-openai")
    assert (restored.status, restored.verdict) == (Status.DRAFT, Verdict.UNVERIFIED)
    assert restored.evidence.get().statement.text == statement.text
    assert restored.created_at.year == 2024


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
    for username, (password, _group, _superuser, _name) in accounts.DEMO_ACCOUNTS.items():
        assert f"{username}" in out and password in out
    assert "http://127.0.0.1:8000/admin/" in out
    # The printed login works.
    assert client.login(username="reviewer", password="factcheck-reviewer")
    assert client.get(reverse("admin:index")).status_code == 200


def test_no_accounts_with_debug_off():
    out = seed()
    assert not User.objects.filter(username__in=accounts.DEMO_ACCOUNTS).exists()
    assert list(User.objects.values_list("username", flat=True)) == [accounts.SYSTEM_USERNAME]
    assert "Not creating demo accounts: DEBUG is off" in out
    assert "factcheck-reviewer" not in out
    assert Claim.objects.count() == 7  # the story is loaded all the same


def test_no_accounts_flag(settings):
    settings.DEBUG = True
    out = seed("--no-accounts")
    assert not User.objects.filter(username__in=accounts.DEMO_ACCOUNTS).exists()
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


# The story's real dates, through the normal write path


def history_models():
    """The claims app's models that keep a simple_history history."""
    return [
        m for m in apps.get_app_config("claims").get_models() if hasattr(getattr(m, "history", None), "values_list")
    ]


def assert_2024(moment, what):
    assert moment is not None, f"{what} is missing"
    assert moment.year == 2024, f"{what} is {moment.isoformat()}, not the story's 2024"
    assert timezone.now() - moment > datetime.timedelta(days=1), f"{what} is the seeding time"


def test_story_keeps_its_2024_dates_in_the_record_and_its_history():
    seed()
    published = Claim.objects.filter(status=Status.PUBLISHED)
    assert published.count() == 5
    for claim in published:
        assert_2024(claim.published_at, f"{claim.slug} published_at")
        assert_2024(claim.public_updated_at, f"{claim.slug} public_updated_at")
    for claim in Claim.objects.all():
        assert_2024(claim.created_at, f"{claim.slug} created_at")
    for model in (Speaker, Source, Statement, Evidence):
        for obj in model.objects.all():
            assert_2024(obj.created_at, f"{model.__name__} {obj.pk} created_at")
    for change in VerdictChange.objects.all():
        assert_2024(change.changed_at, f"verdict change {change.pk}")
    rows = 0
    for model in history_models():
        for pk, date in model.history.values_list("history_id", "history_date"):
            assert_2024(date, f"{model.__name__} history row {pk}")
            rows += 1
    assert rows > 50

    forecast = Claim.objects.get(slug=FORECAST)
    assert forecast.published_at.date() == datetime.date(2024, 11, 27)
    assert forecast.public_updated_at.date() == datetime.date(2024, 12, 10)
    assert [c.changed_at.date() for c in forecast.verdict_changes.order_by("changed_at")] == [
        datetime.date(2024, 11, 27),
        datetime.date(2024, 12, 10),
    ]
    # The first rating came before publication, the update after it.
    first, update = forecast.verdict_changes.order_by("changed_at")
    assert first.changed_at < forecast.published_at < update.changed_at
    assert forecast.history.filter(history_change_reason="Published").get().history_date == forecast.published_at
    # The one claim still in review was never published.
    in_review = Claim.objects.get(status=Status.IN_REVIEW)
    assert (in_review.published_at, in_review.public_updated_at) == (None, None)


def test_claim_in_review_meets_the_publishing_standards_for_the_reviewer_to_publish():
    """README: "publish it yourself as the reviewer"."""
    seed()
    in_review = Claim.objects.get(status=Status.IN_REVIEW)
    assert workflow.publish_problems(in_review) == []
    draft = Claim.objects.get(status=Status.DRAFT)
    assert [item.code for item in workflow.publish_problems(draft)] == ["unrated"]


def test_desk_and_demo_reviewer_have_public_names(settings):
    settings.DEBUG = True
    seed()
    assert public_name(User.objects.get(username=accounts.SYSTEM_USERNAME)) == "Demo desk"
    assert public_name(User.objects.get(username="reviewer")) == "Demo reviewer"
    seed()
    assert PublicProfile.objects.count() == 2


def today_strings() -> list[str]:
    today = timezone.localdate()
    return [today.strftime(f) for f in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y")] + [
        f"{today.day} {today.strftime('%B')} {today.year}",
        f"{today.day} {today.strftime('%b')} {today.year}",
    ]


def test_claim_page_shows_the_2024_checked_and_updated_dates(client):
    seed()
    html = client.get(reverse("claims:claim_detail", kwargs={"slug": FORECAST})).content.decode()
    facts = html[html.index('<dl class="facts">') : html.index("</dl>", html.index('<dl class="facts">'))]
    assert "27 November 2024" in facts  # Checked: its publication
    # needs branch public (Updated: the verdict change after Sora shipped, not in its summary's text)
    assert "2024-12-10" in facts or "10 December 2024" in facts
    for today in today_strings():
        assert today not in html  # needs branch public (the page's "updated" follows updated_at until then)


def test_claim_list_card_shows_the_2024_checked_and_updated_dates(client):
    seed()
    html = client.get(reverse("claims:claim_list")).content.decode()
    start = html.index(f'href="/claims/{FORECAST}/"')
    card = html[start : html.index("</article>", start)]
    assert "27 Nov 2024" in card
    assert "2024-12-10" in card or "10 Dec 2024" in card  # needs branch public (the card's "Updated" date)
    for today in today_strings():
        assert today not in card


def claimreview_of(client, slug) -> dict:
    html = client.get(reverse("claims:claim_detail", kwargs={"slug": slug})).content.decode()
    for block in re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S):
        data = json.loads(block)
        if data.get("@type") == "ClaimReview":
            return data
    raise AssertionError("no ClaimReview on the page")


def test_claimreview_dates_are_the_storys(client):
    seed()
    forecast = Claim.objects.get(slug=FORECAST)
    review = claimreview_of(client, FORECAST)
    assert review["datePublished"] == forecast.published_at.date().isoformat() == "2024-11-27"
    # needs branch public (dateModified follows updated_at, the row's own save time, until then)
    assert datetime.datetime.fromisoformat(review["dateModified"]) == forecast.public_updated_at
    assert review["dateModified"].startswith("2024-12-10")


def test_loader_writes_only_through_the_services(monkeypatch):
    """Every row it makes comes from a service call, under the demo desk; nothing is rewritten with update()."""
    calls = {}
    for name in [
        "topic_create",
        "speaker_create",
        "source_create",
        "statement_create",
        "claim_create",
        "evidence_create",
        "claim_set_verdict",
        "claim_submit",
        "claim_publish",
    ]:
        original = getattr(services, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] = calls.get(_name, 0) + 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, counted)

    def no_update(self, **kwargs):
        raise AssertionError(f"QuerySet.update({', '.join(kwargs)}) on {self.model.__name__} while loading")

    with monkeypatch.context() as patched:
        patched.setattr(models.QuerySet, "update", no_update)
        seed()
    assert calls == {
        "topic_create": Topic.objects.count(),
        "speaker_create": Speaker.objects.count(),
        "source_create": Source.objects.count(),
        "statement_create": Statement.objects.count(),
        "claim_create": Claim.objects.count(),
        "evidence_create": Evidence.objects.count(),
        "claim_set_verdict": VerdictChange.objects.count(),
        "claim_submit": Claim.objects.exclude(status=Status.DRAFT).count(),
        "claim_publish": Claim.objects.filter(status=Status.PUBLISHED).count(),
    }
    desk = User.objects.get(username=accounts.SYSTEM_USERNAME)
    for model in history_models():
        assert set(model.history.values_list("history_user", flat=True)) <= {desk.pk}, model.__name__


def test_story_file_is_a_dataset_that_import_dataset_restores():
    """The same rows, in the dataset format: as JSON Lines, import_dataset restores them as they are."""
    entries = json.loads(loader.STORY_FILE.read_text(encoding="utf-8"))
    assert entries[0]["format"] == "factcheck-dataset"
    import_dataset([json.dumps(entry, ensure_ascii=False) for entry in entries])
    assert Claim.objects.count() == 7
    assert Claim.objects.get(slug=FORECAST).public_updated_at.date() == datetime.date(2024, 12, 10)


# A broken story file


def broken_story(tmp_path, monkeypatch, change) -> None:
    entries = json.loads(loader.STORY_FILE.read_text(encoding="utf-8"))
    change(entries)
    path = tmp_path / "story.json"
    path.write_text(json.dumps(entries, indent=2), encoding="utf-8")
    monkeypatch.setattr(loader, "STORY_FILE", path)


def row(entries, kind, **match) -> dict:
    return next(e for e in entries if e.get("type") == kind and all(e[k] == v for k, v in match.items()))


def set_fields(kind, match, **values):
    return lambda entries: row(entries, kind, **match).update(values)


def drop_supporting_evidence(entries):
    claim = row(entries, "claim", slug="openai-raised-billions-at-150-billion-valuation")
    for e in entries:
        if e.get("type") == "evidence" and e["claim"] == claim["id"]:
            e["stance"] = "context"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (set_fields("claim", {"slug": FORECAST}, claimant=99), "claim 4: claimant refers to speaker 99"),
        (set_fields("verdict_change", {"id": 4}, verdict="very true"), "verdict_change 4: verdict"),
        (lambda entries: row(entries, "source", id=2).pop("title"), "source 2: missing title"),
        (
            set_fields("claim", {"slug": FORECAST}, published_at="2024-11-26T20:00:00+00:00"),
            f"claim 4, {FORECAST}): A verdict other than",
        ),
        (
            lambda entries: next(e for e in entries if e.get("type") == "evidence" and e["claim"] == 4).update(
                created_at="2024-12-01T10:00:00+00:00"
            ),
            f"claim 4, {FORECAST}): verdict_change 3 (2024-11-27T10:00:00+00:00) comes before evidence",
        ),
        (
            set_fields("verdict_change", {"id": 4}, previous_verdict="false"),
            "(verdict_change 4): previous_verdict is 'false', but the claim is 'unproven' by then",
        ),
        (
            set_fields("verdict_change", {"id": 4}, changed_by="someone-else"),
            "(verdict_change 4): changed_by is 'someone-else'",
        ),
        (drop_supporting_evidence, "(claim 6, openai-raised-billions-at-150-billion-valuation): "),
        (set_fields("claim", {"slug": FORECAST}, status="draft"), f"claim 4, {FORECAST}): a draft claim has no"),
        (lambda entries: entries.append(entries[-1]), "verdict_change 7 appears twice"),
        (lambda entries: entries.insert(1, "topic"), "entry 2: not a JSON object"),
    ],
)
def test_broken_story_file_is_refused_naming_the_record(tmp_path, monkeypatch, change, named):
    broken_story(tmp_path, monkeypatch, change)
    with pytest.raises(CommandError) as raised:
        seed()
    message = str(raised.value)
    assert "nothing was written" in message
    assert "story.json" in message
    assert named in message
    assert not Claim.objects.exists()
    assert not Topic.objects.exists()
    assert not User.objects.exists()
    assert not any(model.history.exists() for model in history_models())


def test_story_file_that_is_not_json_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "story.json"
    path.write_text('[\n  {"format": "factcheck-dataset",\n  }\n]\n', encoding="utf-8")
    monkeypatch.setattr(loader, "STORY_FILE", path)
    with pytest.raises(CommandError, match=r"story.json is not valid JSON at line 3 column 3"):
        seed()
    assert not User.objects.exists()
