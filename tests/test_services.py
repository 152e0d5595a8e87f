"""The editorial workflow in claims/services.py: every allowed and every refused transition."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims import services
from claims.models import Claim, Status, Verdict, VerdictChange
from tests.factories import ClaimFactory, PublishedClaimFactory, VerdictChangeFactory

pytestmark = pytest.mark.django_db

INITIAL, UPDATE, CORRECTION = VerdictChange.Kind.INITIAL, VerdictChange.Kind.UPDATE, VerdictChange.Kind.CORRECTION


def in_review(**kwargs):
    return ClaimFactory(status=Status.IN_REVIEW, ready=True, **kwargs)


def rated_in_review(reviewer, verdict=Verdict.FALSE):
    claim = in_review()
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=verdict, kind=INITIAL, reason="Rated.")
    return claim


def published(reviewer):
    claim = rated_in_review(reviewer)
    return services.claim_publish(claim=claim, by=reviewer)


def saved(claim):
    return Claim.objects.get(pk=claim.pk)


# submit


def test_editor_sends_draft_to_review(editor):
    claim = ClaimFactory()
    services.claim_submit(claim=claim, by=editor)
    assert claim.status == Status.IN_REVIEW
    assert saved(claim).status == Status.IN_REVIEW
    assert saved(claim).version == 2


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.PUBLISHED, Status.RETRACTED])
def test_only_a_draft_can_be_sent_to_review(editor, status):
    claim = PublishedClaimFactory(status=status, retraction_reason="Wrong." if status == Status.RETRACTED else "")
    with pytest.raises(ValidationError, match="Only a draft can be sent to review") as excinfo:
        services.claim_submit(claim=claim, by=editor)
    assert excinfo.value.code == "invalid_transition"
    assert saved(claim).status == status
    assert saved(claim).version == 1


def test_submit_needs_change_permission(reader):
    claim = ClaimFactory()
    with pytest.raises(PermissionDenied, match="send claims to review"):
        services.claim_submit(claim=claim, by=reader)
    assert saved(claim).status == Status.DRAFT


def test_submit_refuses_a_stale_copy_status(editor):
    """The decision is made on the row in the database, not on the caller's copy."""
    claim = ClaimFactory()
    stale = saved(claim)
    services.claim_submit(claim=claim, by=editor)
    with pytest.raises(ValidationError, match="in review"):
        services.claim_submit(claim=stale, by=editor)


# send back


def test_reviewer_sends_claim_in_review_back_to_draft(reviewer):
    claim = in_review()
    services.claim_send_back(claim=claim, by=reviewer)
    assert saved(claim).status == Status.DRAFT


def test_editor_cannot_send_back(editor):
    claim = in_review()
    with pytest.raises(PermissionDenied):
        services.claim_send_back(claim=claim, by=editor)
    assert saved(claim).status == Status.IN_REVIEW


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PUBLISHED])
def test_only_a_claim_in_review_can_be_sent_back(reviewer, status):
    claim = PublishedClaimFactory(status=status)
    with pytest.raises(ValidationError, match="Only a claim in review can be sent back"):
        services.claim_send_back(claim=claim, by=reviewer)


# publish


def test_reviewer_publishes_rated_claim_in_review(reviewer):
    claim = rated_in_review(reviewer)
    services.claim_publish(claim=claim, by=reviewer)
    row = saved(claim)
    assert row.status == Status.PUBLISHED
    assert row.published_at is not None
    assert claim.published_at == row.published_at


def test_publish_refuses_unrated_claim(reviewer):
    claim = in_review()
    with pytest.raises(ValidationError, match="Set a verdict before publishing") as excinfo:
        services.claim_publish(claim=claim, by=reviewer)
    assert [item.code for item in excinfo.value.missing] == ["unrated"]
    assert saved(claim).status == Status.IN_REVIEW


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PUBLISHED, Status.RETRACTED])
def test_only_a_claim_in_review_can_be_published(reviewer, status):
    claim = PublishedClaimFactory(status=status, retraction_reason="Wrong." if status == Status.RETRACTED else "")
    with pytest.raises(ValidationError, match="Only a claim in review can be published"):
        services.claim_publish(claim=claim, by=reviewer)
    assert saved(claim).status == status


def test_editor_cannot_publish(editor, reviewer):
    claim = rated_in_review(reviewer)
    with pytest.raises(PermissionDenied, match="publish claims"):
        services.claim_publish(claim=claim, by=editor)
    assert saved(claim).status == Status.IN_REVIEW


def test_republishing_after_send_back_keeps_first_publication_date(reviewer):
    claim = published(reviewer)
    first = saved(claim).published_at
    Claim.objects.filter(pk=claim.pk).update(status=Status.IN_REVIEW)
    services.claim_publish(claim=saved(claim), by=reviewer)
    assert saved(claim).published_at == first


# retract


def test_reviewer_retracts_published_claim_with_reason(reviewer):
    claim = published(reviewer)
    services.claim_retract(claim=claim, by=reviewer, reason="  The quote was misattributed.  ")
    row = saved(claim)
    assert row.status == Status.RETRACTED
    assert row.retraction_reason == "The quote was misattributed."
    assert row.retracted_at is not None
    assert row.verdict == Verdict.FALSE  # kept, with the notice, at the same URL


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_retract_needs_a_reason(reviewer, reason):
    claim = published(reviewer)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_retract(claim=claim, by=reviewer, reason=reason)
    assert "reason" in excinfo.value.message_dict
    assert saved(claim).status == Status.PUBLISHED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED])
def test_only_a_published_claim_can_be_retracted(reviewer, status):
    claim = PublishedClaimFactory(status=status, retraction_reason="Old." if status == Status.RETRACTED else "")
    with pytest.raises(ValidationError, match="Only a published claim can be retracted"):
        services.claim_retract(claim=claim, by=reviewer, reason="Because.")
    assert saved(claim).status == status


def test_editor_cannot_retract(editor, reviewer):
    claim = published(reviewer)
    with pytest.raises(PermissionDenied, match="retract"):
        services.claim_retract(claim=claim, by=editor, reason="Because.")


# set verdict


def test_initial_verdict_is_recorded(reviewer):
    claim = in_review()
    change = services.claim_set_verdict(
        claim=claim, by=reviewer, verdict=Verdict.MOSTLY_FALSE, kind=INITIAL, reason=" Checked the record. "
    )
    assert saved(claim).verdict == Verdict.MOSTLY_FALSE
    assert claim.verdict == Verdict.MOSTLY_FALSE
    assert (change.previous_verdict, change.verdict, change.kind) == (Verdict.UNVERIFIED, Verdict.MOSTLY_FALSE, INITIAL)
    assert change.reason == "Checked the record."
    assert change.changed_by == reviewer
    assert change.changed_at is not None


def test_verdict_may_be_set_on_a_draft(reviewer):
    claim = ClaimFactory()
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=INITIAL, reason="Rated.")
    assert saved(claim).verdict == Verdict.TRUE
    assert saved(claim).status == Status.DRAFT


@pytest.mark.parametrize("kind", [UPDATE, CORRECTION])
def test_published_verdict_update_and_correction(reviewer, kind):
    claim = published(reviewer)
    change = services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=kind, reason="New facts.")
    assert (change.previous_verdict, change.verdict, change.kind) == (Verdict.FALSE, Verdict.TRUE, kind)
    assert list(saved(claim).verdict_changes.values_list("kind", flat=True)) == [INITIAL, kind]
    assert saved(claim).status == Status.PUBLISHED


@pytest.mark.parametrize("kind", [UPDATE, CORRECTION])
def test_first_verdict_must_be_initial(reviewer, kind):
    claim = in_review()
    with pytest.raises(ValidationError) as excinfo:
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=kind, reason="Rated.")
    assert "initial" in excinfo.value.message_dict["kind"][0]
    assert saved(claim).verdict == Verdict.UNVERIFIED
    assert not VerdictChange.objects.exists()


def test_second_verdict_cannot_be_initial(reviewer):
    claim = rated_in_review(reviewer)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=INITIAL, reason="Again.")
    assert "update" in excinfo.value.message_dict["kind"][0]
    assert saved(claim).verdict == Verdict.FALSE
    assert VerdictChange.objects.count() == 1


def test_same_verdict_twice_refused(reviewer):
    claim = rated_in_review(reviewer, Verdict.FALSE)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.FALSE, kind=UPDATE, reason="Same.")
    assert "already rated 'False'" in excinfo.value.message_dict["verdict"][0]
    assert VerdictChange.objects.count() == 1


@pytest.mark.parametrize(
    ("verdict", "kind", "reason", "field"),
    [
        ("bogus", INITIAL, "Rated.", "verdict"),
        ("", INITIAL, "Rated.", "verdict"),
        (Verdict.TRUE, "rewrite", "Rated.", "kind"),
        (Verdict.TRUE, INITIAL, "", "reason"),
        (Verdict.TRUE, INITIAL, "   ", "reason"),
        (Verdict.TRUE, INITIAL, None, "reason"),
    ],
)
def test_bad_verdict_kind_or_reason_refused(reviewer, verdict, kind, reason, field):
    claim = in_review()
    with pytest.raises(ValidationError) as excinfo:
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=verdict, kind=kind, reason=reason)
    assert field in excinfo.value.message_dict
    assert saved(claim).verdict == Verdict.UNVERIFIED
    assert saved(claim).version == 1
    assert not VerdictChange.objects.exists()


def test_all_bad_fields_reported_at_once(reviewer):
    claim = in_review()
    with pytest.raises(ValidationError) as excinfo:
        services.claim_set_verdict(claim=claim, by=reviewer, verdict="x", kind="y", reason="")
    assert set(excinfo.value.message_dict) == {"verdict", "kind", "reason"}


def test_retracted_claim_verdict_cannot_change(reviewer):
    claim = published(reviewer)
    services.claim_retract(claim=claim, by=reviewer, reason="Misattributed.")
    with pytest.raises(ValidationError, match="retracted claim's verdict cannot change"):
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=CORRECTION, reason="Oops.")
    assert saved(claim).verdict == Verdict.FALSE


def test_published_claim_cannot_go_back_to_unverified(reviewer):
    claim = published(reviewer)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_set_verdict(
            claim=claim, by=reviewer, verdict=Verdict.UNVERIFIED, kind=CORRECTION, reason="Unsure."
        )
    assert "Not yet rated" in excinfo.value.message_dict["verdict"][0]
    assert saved(claim).verdict == Verdict.FALSE


def test_not_yet_rated_is_not_a_verdict_to_give(reviewer):
    claim = rated_in_review(reviewer)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_set_verdict(
            claim=claim, by=reviewer, verdict=Verdict.UNVERIFIED, kind=CORRECTION, reason="Redo."
        )
    assert excinfo.value.error_dict["verdict"][0].code == "invalid_choice"
    assert saved(claim).verdict == Verdict.FALSE


def test_editor_cannot_set_verdict(editor):
    claim = in_review()
    with pytest.raises(PermissionDenied, match="set verdicts"):
        services.claim_set_verdict(claim=claim, by=editor, verdict=Verdict.TRUE, kind=INITIAL, reason="Rated.")
    assert not VerdictChange.objects.exists()


def test_unsaved_verdict_change_leaves_claim_untouched_when_it_fails(reviewer, monkeypatch):
    """No partial write: if recording the claim fails, the history row is rolled back too."""
    claim = in_review()

    def boom(*args, **kwargs):
        raise ValidationError("disk on fire")

    monkeypatch.setattr(services, "_save", boom)
    with pytest.raises(ValidationError):
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=INITIAL, reason="Rated.")
    assert not VerdictChange.objects.exists()
    assert saved(claim).verdict == Verdict.UNVERIFIED


# version and conflicts


def test_every_transition_bumps_the_version(editor, reviewer):
    claim = ClaimFactory(ready=True)
    versions = [saved(claim).version]
    services.claim_submit(claim=claim, by=editor)
    versions.append(saved(claim).version)
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=INITIAL, reason="Rated.")
    versions.append(saved(claim).version)
    services.claim_publish(claim=claim, by=reviewer)
    versions.append(saved(claim).version)
    services.claim_retract(claim=claim, by=reviewer, reason="Gone.")
    versions.append(saved(claim).version)
    assert versions == [1, 2, 3, 4, 5]
    assert claim.version == 5


def test_update_on_the_current_version_passes_and_bumps_it(editor):
    claim = ClaimFactory()
    services.claim_update(claim=claim, by=editor, expected_version=1, summary="Checked.")
    assert claim.version == 2
    assert saved(claim).version == 2


def test_update_on_a_stale_copy_is_a_conflict_and_writes_nothing(editor):
    claim = ClaimFactory()
    stale_version = claim.version
    services.claim_submit(claim=saved(claim), by=editor)  # someone else saves first
    with pytest.raises(services.ConflictError) as excinfo:
        services.claim_update(claim=claim, by=editor, expected_version=stale_version, summary="Mine.")
    assert excinfo.value.code == "conflict"
    message = excinfo.value.messages[0]
    assert "Someone else saved this claim" in message
    assert "version 1" in message and "version 2" in message
    assert (saved(claim).version, saved(claim).summary) == (2, "")
    assert isinstance(excinfo.value, ValidationError)


def test_check_version_reads_and_never_writes():
    claim = ClaimFactory()
    services.check_version(current=claim, expected_version=1)
    with pytest.raises(services.ConflictError):
        services.check_version(current=claim, expected_version=2)
    assert saved(claim).version == 1


def test_two_writers_second_one_loses(editor):
    claim = ClaimFactory(text="Original.")
    first, second = saved(claim), saved(claim)
    services.claim_update(claim=first, by=editor, expected_version=first.version, text="First writer.")
    with pytest.raises(services.ConflictError):
        services.claim_update(claim=second, by=editor, expected_version=second.version, text="Second writer.")
    assert saved(claim).text == "First writer."


# history


def test_history_rows_record_the_acting_user_and_reason(editor, reviewer):
    claim = ClaimFactory(ready=True)
    services.claim_submit(claim=claim, by=editor)
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=INITIAL, reason="On the record.")
    services.claim_publish(claim=claim, by=reviewer)
    services.claim_retract(claim=claim, by=reviewer, reason="Misattributed.")
    rows = list(saved(claim).history.order_by("history_id").values_list("history_user", "status", "verdict"))
    reasons = list(saved(claim).history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert rows[1:] == [
        (editor.pk, Status.IN_REVIEW, Verdict.UNVERIFIED),
        (reviewer.pk, Status.IN_REVIEW, Verdict.TRUE),
        (reviewer.pk, Status.PUBLISHED, Verdict.TRUE),
        (reviewer.pk, Status.RETRACTED, Verdict.TRUE),
    ]
    assert reasons[1:] == ["Sent to review", "Verdict: On the record.", "Published", "Retracted: Misattributed."]
    change_history = VerdictChange.history.get()
    assert change_history.history_user_id == reviewer.pk


def test_verdict_history_is_public_record_in_order(reviewer):
    claim = published(reviewer)
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.MIXED, kind=UPDATE, reason="New video.")
    services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=CORRECTION, reason="Misread.")
    history = list(saved(claim).verdict_changes.values_list("previous_verdict", "verdict", "kind"))
    assert history == [
        (Verdict.UNVERIFIED, Verdict.FALSE, INITIAL),
        (Verdict.FALSE, Verdict.MIXED, UPDATE),
        (Verdict.MIXED, Verdict.TRUE, CORRECTION),
    ]


def test_factory_verdict_change_counts_as_rated(reviewer):
    """A claim with any verdict change in its history takes updates, not a second initial rating."""
    claim = in_review(verdict=Verdict.FALSE)
    VerdictChangeFactory(claim=claim)
    with pytest.raises(ValidationError):
        services.claim_set_verdict(claim=claim, by=reviewer, verdict=Verdict.TRUE, kind=INITIAL, reason="Again.")


@pytest.mark.django_db
def test_refusals_keep_their_error_codes(reviewer):
    """Callers (the API, the admin) can tell refusals apart by code, not only by message."""
    from claims.services import claim_set_verdict
    from tests.factories import ClaimFactory

    claim = ClaimFactory()
    with pytest.raises(ValidationError) as bad:
        claim_set_verdict(claim=claim, by=reviewer, verdict="nonsense", kind="initial", reason="")
    codes = {field: [e.code for e in errors] for field, errors in bad.value.error_dict.items()}
    assert codes == {"verdict": ["invalid_choice"], "reason": ["required"]}
    with pytest.raises(ValidationError) as wrong_kind:
        claim_set_verdict(claim=claim, by=reviewer, verdict="false", kind="update", reason="New evidence.")
    assert wrong_kind.value.error_dict["kind"][0].code == "invalid_kind"
