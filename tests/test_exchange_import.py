"""import_claimreview: every input shape, every error class, idempotence, history, what it never touches."""

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, Evidence, ExternalReview, Source, Speaker, Statement, Status, Verdict
from exchange.claimreview_import import import_document
from tests.factories import ClaimFactory, EditorFactory, PublishedClaimFactory

DATA = Path(__file__).parent / "data" / "exchange"
pytestmark = pytest.mark.django_db


def run(*files, user=None):
    out, err = StringIO(), StringIO()
    args = [str(DATA / f) if not str(f).startswith("/") else str(f) for f in files]
    if user:
        args += ["--user", user.username]
    call_command("import_claimreview", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def review(url):
    return ExternalReview.objects.select_related("claim").get(url=url)


def counts():
    models = [Claim, ExternalReview, Source, Speaker, Statement, Evidence]
    rows = {m.__name__: m.objects.count() for m in models}
    history = {m.__name__: m.history.count() for m in models}
    return rows, history


def test_single_claimreview_from_the_schema_org_example():
    out, err = run("claimreview_single.json")
    assert "1 created, 0 updated, 0 unchanged, 0 skipped" in out
    assert err == ""
    r = review("http://example.com/news/science/worldisflat.html")
    assert (r.publisher_name, r.publisher_url) == ("Example.com science watch", "https://example.com")
    assert (r.textual_rating, r.mapped_verdict) == ("False", Verdict.FALSE)
    assert (r.rating_value, r.best_rating, r.worst_rating) == (Decimal("1"), Decimal("5"), Decimal("1"))
    assert str(r.reviewed_on) == "2016-06-22"
    claim = r.claim
    assert claim.text == "The world is flat"
    # A draft, and unrated: the newsroom rates it itself.
    assert (claim.status, claim.verdict) == (Status.DRAFT, Verdict.UNVERIFIED)
    assert claim.claimant.name == "Square World Society"
    assert claim.claimant.kind == Speaker.Kind.ORGANIZATION
    assert claim.first_appearance.url == "https://example.flatworlders.com/we-know-that-the-world-is-flat"
    assert claim.first_appearance.title == "We know that the world is flat"
    assert str(claim.first_appeared_on) == "2016-06-20"
    # The appearance is linked through a paraphrase statement; the review URL is a source too.
    evidence = claim.evidence.get()
    assert evidence.stance == Evidence.Stance.SUPPORTS
    assert evidence.statement.source == claim.first_appearance
    assert not evidence.statement.is_quote
    assert Source.objects.filter(url="http://example.com/news/science/worldisflat.html").exists()


def test_list_with_unicode_missing_fields_numeric_and_textual_ratings():
    out, _ = run("claimreview_list.json")
    assert "5 created" in out
    fr = review("https://verificateurs.example.fr/2024/11/sora-fuite")
    assert fr.claim.text == "La fuite de Sora a donné à tout le monde un accès illimité au modèle « complet »."
    assert fr.claim.language == "fr" and fr.language == "fr"
    assert fr.claim.claimant.name == "Zoë Ångström"
    assert fr.claim.claimant.title == "Influenceuse"
    # An unknown word ("Trompeur") falls back to the number: 2 of 1..5.
    assert (fr.textual_rating, fr.mapped_verdict) == ("Trompeur", Verdict.MOSTLY_FALSE)
    assert str(fr.reviewed_on) == "2024-11-27"
    # firstAppearance and the same URL with a tracking parameter are one source; the bare URL string is another.
    assert fr.claim.first_appearance.url == "https://social.example.net/@zoe/113552"
    assert sorted(e.statement.source.url for e in fr.claim.evidence.all()) == [
        "https://forum.example.org/t/sora-leak/42",
        "https://social.example.net/@zoe/113552",
    ]
    ja = review("https://factcheck.example.jp/articles/2024-001")
    assert ja.claim.text == "東京タワーは高さ333メートルである。"
    assert ja.language == "ja"
    assert ja.mapped_verdict == Verdict.TRUE  # 10 of 0..10
    assert review("https://checker.example.org/pants").mapped_verdict == Verdict.FALSE
    satire = review("https://checker.example.org/satire")
    assert (satire.textual_rating, satire.mapped_verdict) == ("Satire", Verdict.UNVERIFIED)
    minimal = review("https://checker.example.org/minimal")
    assert minimal.mapped_verdict == Verdict.UNVERIFIED
    assert minimal.claim.claimant is None and minimal.claim.first_appearance is None
    assert set(Claim.objects.values_list("verdict", flat=True)) == {Verdict.UNVERIFIED}


def test_graph_with_other_types_and_two_reviews_of_one_claim():
    out, _ = run("claimreview_graph.json")
    assert "2 created" in out
    assert Claim.objects.count() == 1  # same text, give or take the final full stop
    claim = Claim.objects.get()
    assert sorted(claim.external_reviews.values_list("publisher_name", "mapped_verdict")) == [
        ("Claim Watch", Verdict.MOSTLY_TRUE),
        ("Other Checker", Verdict.MOSTLY_TRUE),  # 8 of 1..10 → 4.1 → 4
    ]
    assert claim.claimant.name == "The Verge"


def test_datafeed_with_wrapped_and_bare_items():
    out, _ = run("datafeed.json")
    assert "2 created" in out
    assert review("https://feed.example.org/checks/sora-authentic").mapped_verdict == Verdict.TRUE
    assert review("https://feed.example.org/checks/sora-unproven").mapped_verdict == Verdict.UNPROVEN


def test_html_page_with_several_json_ld_blocks_and_other_types():
    out, err = run("page.html")
    assert "2 created" in out and err == ""
    assert ExternalReview.objects.count() == 2  # the plain <script> is not JSON-LD
    access = review("https://checks.example.com/2024/11/sora-access")
    assert access.mapped_verdict == Verdict.MOSTLY_TRUE
    assert access.title == "Fact check: Was the leaked Sora access authentic?"
    speaker = access.claim.claimant
    assert (speaker.name, speaker.wikidata_id, speaker.url) == ("PR Puppets", "Q42", "https://prpuppets.example.org")
    assert review("https://checks.example.com/2024/11/sora-shutdown").mapped_verdict == Verdict.TRUE


def test_google_fact_check_tools_response():
    out, _ = run("google_claims_search.json")
    assert "3 created" in out
    claim = Claim.objects.get(text="Artists leaked access to OpenAI's Sora video model.")
    assert claim.claimant.name == "Social media posts"
    assert str(claim.first_appeared_on) == "2024-11-26"
    desk = review("https://factdesk.example.com/sora-leak")
    assert (desk.publisher_name, desk.publisher_url) == ("Fact Desk", "https://factdesk.example.com")
    assert (desk.title, desk.textual_rating, desk.mapped_verdict) == (
        "Yes, artists briefly leaked access to Sora",
        "True",
        Verdict.TRUE,
    )
    assert str(desk.reviewed_on) == "2024-11-27" and desk.language == "en"
    es = review("https://comprobado.example.es/fuga-sora")
    assert es.claim == claim
    assert (es.textual_rating, es.mapped_verdict, es.language) == ("Verdadero", Verdict.UNVERIFIED, "es")
    length = review("https://factdesk.example.com/sora-length")
    assert length.mapped_verdict == Verdict.MIXED and length.claim.claimant is None


def test_importing_the_same_files_twice_changes_nothing():
    files = [
        "claimreview_single.json",
        "claimreview_list.json",
        "claimreview_graph.json",
        "datafeed.json",
        "page.html",
        "google_claims_search.json",
        "yoast_graph.html",
    ]
    run(*files)
    before = counts()
    updated_at = sorted(Claim.objects.values_list("id", "updated_at", "version"))
    out, _ = run(*files)
    assert "0 created, 0 updated, 16 unchanged, 0 skipped" in out
    assert counts() == before  # no new rows, no new history rows
    assert sorted(Claim.objects.values_list("id", "updated_at", "version")) == updated_at


def test_a_changed_review_is_updated_not_duplicated(tmp_path):
    run("claimreview_single.json")
    data = json.loads((DATA / "claimreview_single.json").read_text())
    data["reviewRating"] = {"@type": "Rating", "alternateName": "Mostly false"}
    data["url"] = "HTTP://EXAMPLE.COM/news/science/worldisflat.html?utm_source=feed"  # same review, other spelling
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    out, _ = run(changed)
    assert "0 created, 1 updated" in out
    r = review("http://example.com/news/science/worldisflat.html")
    assert (r.textual_rating, r.mapped_verdict, r.rating_value) == ("Mostly false", Verdict.MOSTLY_FALSE, None)
    assert ExternalReview.objects.count() == 1
    assert r.history.first().history_change_reason == f"Imported from {changed}"


def test_history_rows_name_the_importing_user_and_the_file():
    editor = EditorFactory()
    run("claimreview_single.json", user=editor)
    claim = Claim.objects.get()
    row = claim.history.get()
    assert row.history_user == editor
    assert row.history_change_reason == f"Imported from {DATA / 'claimreview_single.json'}"
    assert review("http://example.com/news/science/worldisflat.html").history.get().history_user == editor


def test_every_row_an_import_writes_carries_the_importing_user():
    """The importer writes through the services: every row it adds has its history, by whoever imported."""
    editor = EditorFactory()
    run("claimreview_single.json", user=editor)
    for model in (Claim, ExternalReview, Source, Speaker, Statement, Evidence):
        for obj in model.objects.all():
            assert {row.history_user for row in model.history.filter(id=obj.pk)} == {editor}, model.__name__


def test_without_a_user_the_import_account_imports_and_cannot_log_in(client):
    run("claimreview_single.json")
    claim = Claim.objects.get()
    importer = claim.history.get().history_user
    assert importer.username == "claimreview-import"
    assert not importer.has_usable_password() and not importer.is_staff
    assert (claim.status, claim.verdict) == (Status.DRAFT, Verdict.UNVERIFIED)
    run("claimreview_single.json")  # the account is made once
    assert type(importer).objects.filter(username="claimreview-import").count() == 1


def test_a_user_who_may_not_add_claims_imports_nothing():
    from tests.factories import UserFactory

    reader = UserFactory(username="reader")
    out, err = run("claimreview_single.json", user=reader)
    assert "permission" in err
    assert not Claim.objects.exists() and not ExternalReview.objects.exists()


def test_unknown_user_is_refused():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("claimreview_single.json", user=type("U", (), {"username": "nobody"}))
    assert not Claim.objects.exists()


def test_a_published_claim_keeps_its_verdict_and_content():
    claim = PublishedClaimFactory(text="The world is flat.", verdict=Verdict.MOSTLY_FALSE, claimant=None)
    version, updated_at = claim.version, claim.updated_at
    run("claimreview_single.json")
    claim.refresh_from_db()
    assert (claim.status, claim.verdict, claim.version, claim.updated_at) == (
        Status.PUBLISHED,
        Verdict.MOSTLY_FALSE,
        version,
        updated_at,
    )
    assert claim.claimant is None and not claim.evidence.exists()  # nothing added to a public claim
    assert claim.external_reviews.get().mapped_verdict == Verdict.FALSE  # only the review is recorded
    assert Claim.objects.count() == 1


def test_an_existing_draft_gets_its_blanks_filled_but_keeps_its_verdict():
    claim = ClaimFactory(text="the world is  FLAT", claimant=None, verdict=Verdict.MIXED)
    run("claimreview_single.json")
    claim.refresh_from_db()
    assert claim.verdict == Verdict.MIXED and claim.status == Status.DRAFT
    assert claim.claimant.name == "Square World Society"
    assert claim.version == 2
    assert claim.history.first().history_change_reason.startswith("Imported from")


def test_an_existing_speaker_is_reused_by_name():
    speaker = Speaker.objects.create(name="square world society", kind=Speaker.Kind.ORGANIZATION)
    run("claimreview_single.json")
    assert Claim.objects.get().claimant == speaker
    assert Speaker.objects.count() == 1


def test_every_error_class_is_reported_and_the_other_items_still_import():
    out, err = run("errors.json")
    path = DATA / "errors.json"
    assert "1 created, 0 updated, 0 unchanged, 5 skipped" in out
    assert f"skipped: {path}: item 2: missing required property 'claimReviewed'" in err
    assert f"skipped: {path}: item 3: missing required property 'url'" in err
    assert f"skipped: {path}: item 4: bad URL in 'url': 'not a url'" in err
    assert f"skipped: {path}: item 5: bad date in 'datePublished': '26/11/2024'" in err
    assert f"skipped: {path}: item 6: bad URL in 'itemReviewed.appearance.url'" in err
    assert list(Claim.objects.values_list("text", flat=True)) == ["The only good item in this file."]
    # Nothing half-written: no source or speaker from a skipped item.
    assert Source.objects.count() == 1


def test_a_malformed_file_is_an_error_and_the_next_file_still_imports():
    with pytest.raises(CommandError, match="1 file error"):
        run("malformed.json", "claimreview_single.json")
    assert ExternalReview.objects.count() == 1


def test_file_errors_say_what_is_wrong(tmp_path, capsys):
    (tmp_path / "latin1.json").write_bytes('{"claimReviewed": "caf\xe9"}'.encode("latin-1"))
    (tmp_path / "nothing.json").write_text('{"@type": "WebPage", "name": "no reviews here"}')
    (tmp_path / "text.txt").write_text("just some words")
    (tmp_path / "empty.json").write_text("  \n")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "number.json").write_text("42")
    err = StringIO()
    files = ["malformed.json", "latin1.json", "nothing.json", "text.txt", "empty.json", "missing.json", "deep.json"]
    files += ["number.json"]
    paths = [str(DATA / "malformed.json")] + [str(tmp_path / f) for f in files[1:]]
    with pytest.raises(CommandError, match="8 file error"):
        call_command("import_claimreview", *paths, stdout=StringIO(), stderr=err)
    messages = err.getvalue()
    assert "malformed.json: not valid JSON: Unterminated string" in messages
    assert "latin1.json: not UTF-8 text" in messages
    assert "nothing.json: no ClaimReview found" in messages
    assert "text.txt: neither JSON nor HTML" in messages
    assert "empty.json: the file is empty" in messages
    assert "missing.json: cannot read the file: No such file or directory" in messages
    assert "deep.json: not valid JSON: nested too deeply" in messages
    assert "number.json: no ClaimReview found" in messages
    assert not Claim.objects.exists()


def test_a_broken_script_block_is_reported_and_the_other_blocks_import(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><head>"
        '<script type="application/ld+json">{"@type": "ClaimReview", oops}</script>'
        '<script type="application/ld+json">{"@type": "ClaimReview", "url": "https://b.example.org/1", '
        '"claimReviewed": "Still imported."}</script></head></html>'
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_claimreview", str(page), stdout=StringIO(), stderr=err)
    assert "JSON-LD script block 1: not valid JSON" in err.getvalue()
    assert Claim.objects.get().text == "Still imported."


def test_a_refused_item_is_rolled_back_whole_and_the_others_import(monkeypatch):
    from django.core.exceptions import ValidationError

    real_full_clean = ExternalReview.full_clean

    def refuse_second(self, *args, **kwargs):
        if self.url.endswith("/2"):
            raise ValidationError({"url": "Refused for the test."})
        return real_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(ExternalReview, "full_clean", refuse_second)
    items = [
        {
            "@type": "ClaimReview",
            "url": f"https://a.example.org/{n}",
            "claimReviewed": f"Claim {n}.",
            "itemReviewed": {"author": {"name": f"Speaker {n}"}, "appearance": f"https://seen.example.org/{n}"},
        }
        for n in (1, 2, 3)
    ]
    report = import_document(json.dumps(items), name="inline")
    assert (report.created, [str(p) for p in report.skipped]) == (2, ["inline: item 2: url: Refused for the test."])
    # Item 2 wrote its speaker, sources, claim and evidence before the refusal: all rolled back.
    assert sorted(Claim.objects.values_list("text", flat=True)) == ["Claim 1.", "Claim 3."]
    assert not Speaker.objects.filter(name="Speaker 2").exists()
    assert not Source.objects.filter(url__contains="/2").exists()
    assert Statement.objects.count() == Evidence.objects.count() == 2


def test_long_names_are_shortened_not_refused():
    long_name = {"@type": "Organization", "name": "A" * 500}
    item = {"@type": "ClaimReview", "url": "https://a.example.org/3", "claimReviewed": "Three.", "name": "T" * 900}
    item["itemReviewed"] = {"author": long_name}
    report = import_document(json.dumps(item), name="inline")
    assert report.created == 1
    assert len(Speaker.objects.get().name) == 200
    assert len(ExternalReview.objects.get().title) == 500


def test_progress_is_shown_on_large_files(tmp_path):
    items = [
        {"@type": "ClaimReview", "url": f"https://bulk.example.org/{n}", "claimReviewed": f"Bulk claim {n}."}
        for n in range(150)
    ]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(items))
    out, err = run(big)
    assert f"{big}: 100/150 items" in err and f"{big}: 150/150 items" in err
    assert "150 created" in out


def test_progress_is_quiet_on_small_files():
    _, err = run("claimreview_list.json")
    assert "items" not in err


def test_node_references_in_a_wordpress_style_graph_are_followed():
    out, _ = run("yoast_graph.html")
    assert "1 created" in out
    r = review("https://watch.example.org/sora-paid")
    assert (r.publisher_name, r.publisher_url, r.mapped_verdict) == (
        "Claim Watch",
        "https://watch.example.org/",
        Verdict.MOSTLY_TRUE,
    )
    assert r.claim.claimant.name == "PR Puppets"
    assert r.claim.first_appearance.url == "https://artists.example.net/open-letter"
    assert str(r.claim.first_appeared_on) == "2024-11-26"


def test_google_errors_name_the_claim_and_the_review(tmp_path):
    response = {
        "claims": [
            {"text": "Fine.", "claimReview": [{"url": "https://g.example.org/1", "textualRating": "False"}]},
            {"claimReview": [{"url": "https://g.example.org/2"}]},
            {"text": "No review."},
            {"text": "Bad review URL.", "claimReview": [{"url": "ftp://g.example.org/3"}, {"title": "no url"}]},
            {"text": "Bad claim date.", "claimDate": "yesterday", "claimReview": [{"url": "https://g.example.org/5"}]},
            "not an object",
        ]
    }
    path = tmp_path / "google.json"
    path.write_text(json.dumps(response))
    out, err = run(path)
    assert "1 created, 0 updated, 0 unchanged, 6 skipped" in out
    for expected in [
        "claims[1].claimReview[0]: missing required property 'text'",
        "claims[2]: missing required property 'claimReview'",
        "claims[3].claimReview[0]: bad URL in 'url': 'ftp://g.example.org/3'",
        "claims[3].claimReview[1]: missing required property 'url'",
        "claims[4].claimReview[0]: bad date in 'claimDate': 'yesterday'",
        "claims[5]: not an object",
    ]:
        assert f"{path}: {expected}" in err
    assert list(Claim.objects.values_list("text", flat=True)) == ["Fine."]


# What following another site asks of the importer (following/services.py)


def _one_review(text: str, url: str = "https://other.example.org/claims/x") -> bytes:
    data = {
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": text,
        "author": {"@type": "Organization", "name": "Other desk"},
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "itemReviewed": {"@type": "Claim", "appearance": [{"url": "https://social.example.org/post/1"}]},
    }
    return json.dumps(data).encode()


@pytest.mark.django_db
def test_without_creating_claims_an_unmatched_review_is_reported_and_nothing_written():
    before = counts()
    report = import_document(_one_review("Nobody here said this."), name="other", create_claims=False)
    assert (report.created, report.skipped, report.file_errors) == (0, [], [])
    [(label, item)] = report.unmatched
    assert (label, item.claim_text) == ("item 1", "Nobody here said this.")
    assert counts() == before


@pytest.mark.django_db
def test_a_named_claim_takes_the_review_before_one_with_the_same_text():
    ClaimFactory(text="The leak was authentic.")
    named = ClaimFactory(text="Artists leaked access to the model.")
    report = import_document(_one_review("The leak was authentic."), name="other", claim=named)
    assert report.created == 1
    assert ExternalReview.objects.get().claim == named
    assert not named.evidence.exists()  # the review only: its appearances are of another text


@pytest.mark.django_db
def test_the_most_similar_claim_takes_the_review_at_the_threshold_asked():
    alike = ClaimFactory(text="The leaked Sora access was authentic.")
    text = "Leaked Sora access was authentic, the artists say."
    report = import_document(_one_review(text), name="other", match_similar=0.99, create_claims=False)
    assert len(report.unmatched) == 1 and not ExternalReview.objects.exists()
    report = import_document(_one_review(text), name="other", match_similar=0.5, create_claims=False)
    assert report.created == 1 and ExternalReview.objects.get().claim == alike
