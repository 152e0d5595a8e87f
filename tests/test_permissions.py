"""Who may do what (the Editors and Reviewers groups), and who sees what (the visibility querysets)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied

from claims import services
from claims.models import Claim, Source, Speaker, Statement, Status, Verdict, VerdictChange, can_see_unpublished
from tests.factories import (
    ClaimFactory,
    EditorFactory,
    EvidenceFactory,
    PublishedClaimFactory,
    ReviewerFactory,
    SourceFactory,
    SpeakerFactory,
    StatementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WRITABLE = ["claim", "evidence", "source", "speaker", "statement", "topic"]


def perms(*codenames):
    return [f"claims.{c}" for c in codenames]


# The groups


def test_groups_exist_from_the_data_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Editors", "Reviewers"}


def test_publish_permission_is_held_by_reviewers_only():
    holders = Group.objects.filter(permissions__codename="publish_claim").values_list("name", flat=True)
    assert list(holders) == ["Reviewers"]
    assert Permission.objects.get(codename="publish_claim").content_type.model == "claim"


@pytest.mark.parametrize("model", WRITABLE)
@pytest.mark.parametrize("action", ["add", "change", "view"])
def test_editors_and_reviewers_write_the_content(editor, reviewer, model, action):
    assert editor.has_perm(f"claims.{action}_{model}")
    assert reviewer.has_perm(f"claims.{action}_{model}")


def test_editors_cannot_publish_or_delete(editor):
    refused = perms("publish_claim", "delete_claim", "delete_source", "delete_speaker", "delete_statement")
    refused += perms("delete_topic")
    assert [p for p in refused if editor.has_perm(p)] == []
    # Unlinking a statement from a claim is part of writing the claim.
    assert editor.has_perm("claims.delete_evidence")


def test_reviewers_publish_and_delete(reviewer):
    granted = perms("publish_claim", "delete_claim", "delete_source", "delete_speaker", "delete_statement")
    granted += perms("delete_topic", "delete_evidence")
    assert [p for p in granted if not reviewer.has_perm(p)] == []


@pytest.mark.parametrize("action", ["add", "change", "delete"])
def test_nobody_in_a_group_edits_the_verdict_history_directly(editor, reviewer, action):
    """Verdict changes are written by claim_set_verdict and never edited or deleted by hand."""
    assert not editor.has_perm(f"claims.{action}_verdictchange")
    assert not reviewer.has_perm(f"claims.{action}_verdictchange")
    assert editor.has_perm("claims.view_verdictchange")
    assert reviewer.has_perm("claims.view_verdictchange")


def test_users_and_groups_are_not_managed_by_editors_or_reviewers(editor, reviewer):
    for user in (editor, reviewer):
        assert not user.has_perm("auth.add_user")
        assert not user.has_perm("auth.change_group")


def test_a_plain_user_has_no_claims_permissions(reader):
    assert not any(reader.has_perm(f"claims.{a}_{m}") for m in WRITABLE for a in ("add", "change", "delete"))


def test_anonymous_has_no_permissions():
    anonymous = AnonymousUser()
    assert not anonymous.has_perm("claims.view_claim")
    assert not anonymous.has_perm("claims.publish_claim")


# The groups through the services


def test_editor_workflow_stops_at_review(editor, reviewer):
    claim = ClaimFactory(ready=True)
    services.claim_submit(claim=claim, by=editor)
    with pytest.raises(PermissionDenied):
        services.claim_set_verdict(claim=claim, by=editor, verdict=Verdict.TRUE, kind="initial", reason="Rated.")
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind="initial", reason="Rated.")
    with pytest.raises(PermissionDenied):
        services.claim_publish(claim=claim, by=editor)
    with pytest.raises(PermissionDenied):
        services.claim_send_back(claim=claim, by=editor)
    services.claim_publish(claim=claim, by=reviewer)
    with pytest.raises(PermissionDenied):
        services.claim_retract(claim=claim, by=editor, reason="Because.")
    services.claim_retract(claim=claim, by=reviewer, reason="Because.")
    assert Claim.objects.get(pk=claim.pk).status == Status.RETRACTED


def test_reviewer_may_also_submit(reviewer):
    claim = ClaimFactory()
    services.claim_submit(claim=claim, by=reviewer)
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


@pytest.mark.parametrize("who", ["anonymous", "none", "reader", "inactive reviewer", "staff without group"])
def test_everyone_else_is_refused_every_transition(who):
    users = {
        "anonymous": lambda: AnonymousUser(),
        "none": lambda: None,
        "reader": lambda: UserFactory(),
        "inactive reviewer": lambda: ReviewerFactory(is_active=False),
        "staff without group": lambda: UserFactory(is_staff=True),
    }
    by = users[who]()
    draft, review, published = (
        ClaimFactory(),
        ClaimFactory(status=Status.IN_REVIEW, verdict=Verdict.FALSE),
        PublishedClaimFactory(),
    )
    calls = [
        lambda: services.claim_submit(claim=draft, by=by),
        lambda: services.claim_send_back(claim=review, by=by),
        lambda: services.claim_publish(claim=review, by=by),
        lambda: services.claim_retract(claim=published, by=by, reason="Because."),
        lambda: services.claim_set_verdict(claim=draft, by=by, verdict=Verdict.TRUE, kind="initial", reason="R."),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    statuses = list(Claim.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED]
    assert not VerdictChange.objects.exists()


def test_superuser_may_do_everything():
    admin = UserFactory(is_staff=True, is_superuser=True)
    claim = ClaimFactory(ready=True)
    services.claim_submit(claim=claim, by=admin)
    services.claim_set_verdict(claim=claim, by=admin, verdict=Verdict.MIXED, kind="initial", reason="Rated.")
    services.claim_publish(claim=claim, by=admin)
    assert Claim.objects.get(pk=claim.pk).status == Status.PUBLISHED


def test_a_permission_given_directly_counts():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_claim"))
    claim = ClaimFactory()
    services.claim_submit(claim=claim, by=user)
    assert Claim.objects.get(pk=claim.pk).status == Status.IN_REVIEW


# Who sees what


@pytest.fixture
def story(db):
    """One public claim and one draft, each with its own statement, source and speakers."""
    public = PublishedClaimFactory(claimant=SpeakerFactory(name="Public claimant"))
    public_ev = EvidenceFactory(
        claim=public,
        statement=StatementFactory(speaker=SpeakerFactory(name="Public speaker"), source=SourceFactory(title="Public")),
    )
    retracted = PublishedClaimFactory(status=Status.RETRACTED, retraction_reason="Misattributed.", claimant=None)
    retracted_ev = EvidenceFactory(claim=retracted, statement=StatementFactory(speaker=None))
    draft = ClaimFactory(
        claimant=SpeakerFactory(name="Draft claimant"), first_appearance=SourceFactory(title="Draft first appearance")
    )
    draft_ev = EvidenceFactory(
        claim=draft,
        statement=StatementFactory(speaker=SpeakerFactory(name="Draft speaker"), source=SourceFactory(title="Draft")),
    )
    review = ClaimFactory(status=Status.IN_REVIEW, verdict=Verdict.FALSE, claimant=None)
    review_ev = EvidenceFactory(claim=review, statement=StatementFactory(speaker=None))
    # A statement shared by the draft and the public claim is public through the public one.
    shared = StatementFactory(speaker=SpeakerFactory(name="Shared speaker"))
    EvidenceFactory(claim=draft, statement=shared)
    EvidenceFactory(claim=public, statement=shared)
    orphan = StatementFactory(speaker=SpeakerFactory(name="Orphan speaker"), source=SourceFactory(title="Orphan"))
    return {
        "public": public,
        "retracted": retracted,
        "draft": draft,
        "review": review,
        "public_statements": {public_ev.statement, retracted_ev.statement, shared},
        "hidden_statements": {draft_ev.statement, review_ev.statement, orphan},
    }


READERS = {
    "anonymous": AnonymousUser,
    "reader": UserFactory,
    "staff without view permission": lambda: UserFactory(is_staff=True),
    "editor who is not staff": lambda: EditorFactory(is_staff=False),
}


@pytest.mark.parametrize("who", list(READERS))
def test_readers_see_only_what_is_published(story, who):
    user = READERS[who]()
    assert not can_see_unpublished(user)

    assert set(Claim.objects.visible_to(user)) == {story["public"], story["retracted"]}
    assert set(Statement.objects.visible_to(user)) == story["public_statements"]

    sources = set(Source.objects.visible_to(user).values_list("title", flat=True))
    assert "Public" in sources
    assert not sources & {"Draft", "Draft first appearance", "Orphan"}
    assert Source.objects.visible_to(user).count() == len({s.source_id for s in story["public_statements"]})

    speakers = set(Speaker.objects.visible_to(user).values_list("name", flat=True))
    assert speakers == {"Public claimant", "Public speaker", "Shared speaker"}


@pytest.mark.parametrize("make_user", [EditorFactory, ReviewerFactory])
def test_staff_with_view_permission_see_everything(story, make_user):
    user = make_user()
    assert can_see_unpublished(user)
    assert Claim.objects.visible_to(user).count() == 4
    assert set(Statement.objects.visible_to(user)) == story["public_statements"] | story["hidden_statements"]
    assert Source.objects.visible_to(user).count() == Source.objects.count()
    assert Speaker.objects.visible_to(user).count() == Speaker.objects.count()


def test_published_queryset_excludes_retracted(story):
    assert list(Claim.objects.published()) == [story["public"]]
    assert set(Claim.objects.public()) == {story["public"], story["retracted"]}


def test_claim_that_is_unpublished_again_disappears_with_its_links(reviewer):
    claim = PublishedClaimFactory(claimant=SpeakerFactory(name="Only here"))
    evidence = EvidenceFactory(claim=claim)
    anonymous = AnonymousUser()
    assert Statement.objects.visible_to(anonymous).filter(pk=evidence.statement_id).exists()
    Claim.objects.filter(pk=claim.pk).update(status=Status.IN_REVIEW)
    assert not Claim.objects.visible_to(anonymous).exists()
    assert not Statement.objects.visible_to(anonymous).exists()
    assert not Source.objects.visible_to(anonymous).exists()
    assert not Speaker.objects.visible_to(anonymous).exists()


def test_source_is_public_as_first_appearance_of_a_public_claim():
    source = SourceFactory(title="Where it started")
    PublishedClaimFactory(first_appearance=source)
    assert list(Source.objects.visible_to(AnonymousUser())) == [source]


@pytest.mark.parametrize("size", [1, 50])
def test_visibility_querysets_run_one_query_whatever_the_size(django_assert_num_queries, size):
    for _ in range(size):
        EvidenceFactory(claim=PublishedClaimFactory())
        EvidenceFactory(claim=ClaimFactory())
    anonymous = AnonymousUser()
    for model, expected in [(Claim, size), (Statement, size), (Source, size), (Speaker, 2 * size)]:
        with django_assert_num_queries(1):
            rows = list(model.objects.visible_to(anonymous))
        assert len(rows) == expected, model
