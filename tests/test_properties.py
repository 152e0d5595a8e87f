"""Properties over generated input: URL normalization, and any sequence of workflow steps.

The workflow machine drives claims/services.py with random steps by an editor, a reviewer and a
reader (allowed and refused), keeps its own model of what each step should do, and after every
step checks the claim, its verdict history and its simple_history rows against that model.
"""

import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from claims import services, verdicts
from claims.models import Claim, Status, Verdict, VerdictChange
from claims.normalize import TRACKING_PARAMS, normalize_url
from tests.factories import ClaimFactory, EditorFactory, ReviewerFactory, UserFactory

# URL normalization

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_segment = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~", min_size=1, max_size=8
)
_value = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", max_size=6)
_kept_param = st.tuples(st.sampled_from(["id", "q", "page", "lang", "p"]), _value)
_tracking_param = st.tuples(st.sampled_from(sorted(TRACKING_PARAMS) + ["utm_source", "UTM_Campaign", "utm_x"]), _value)


@st.composite
def documents(draw):
    """A URL in its plainest spelling: scheme, host, path and meaningful query parameters."""
    return {
        "scheme": draw(st.sampled_from(["http", "https"])),
        "host": ".".join(draw(st.lists(_label, min_size=2, max_size=4))),
        "path": draw(st.lists(_segment, max_size=4)),
        "params": draw(st.lists(_kept_param, max_size=4)),
    }


def plain(doc) -> str:
    url = f"{doc['scheme']}://{doc['host']}/{'/'.join(doc['path'])}"
    if doc["params"]:
        url += "?" + "&".join(f"{k}={v}" for k, v in doc["params"])
    return url


@st.composite
def respellings(draw, doc):
    """The same document as a link may carry it: case, default port, slash, tracking, order, fragment, spaces."""
    rnd = random.Random(draw(st.integers(0, 2**32)))
    scheme = "".join(c.upper() if rnd.random() < 0.5 else c for c in doc["scheme"])
    host = "".join(c.upper() if rnd.random() < 0.5 else c for c in doc["host"])
    if draw(st.booleans()):
        host += ":443" if doc["scheme"] == "https" else ":80"
    url = f"{scheme}://{host}/{'/'.join(doc['path'])}"
    if draw(st.booleans()):
        url += "/"
    params = list(doc["params"]) + draw(st.lists(_tracking_param, max_size=3))
    # Shuffling keeps the order of repeated names, as sorting by name and value does.
    rnd.shuffle(params)
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params)
    if draw(st.booleans()):
        url += "#" + draw(_segment)
    return draw(st.sampled_from(["", " ", "\t"])) + url + draw(st.sampled_from(["", " ", "\n"]))


@given(data=st.data(), doc=documents())
def test_every_spelling_of_a_document_normalizes_to_one_url(data, doc):
    canonical = normalize_url(plain(doc))
    assert normalize_url(data.draw(respellings(doc))) == canonical
    assert normalize_url(canonical) == canonical


@given(first=documents(), second=documents())
def test_different_documents_keep_different_urls(first, second):
    def identity(doc):
        return (doc["scheme"], doc["host"], "/".join(doc["path"]), sorted(doc["params"]))

    if identity(first) != identity(second):
        assert normalize_url(plain(first)) != normalize_url(plain(second))


@given(st.text())
def test_normalize_url_never_raises_on_any_text(text):
    assert isinstance(normalize_url(text), str)


@given(st.from_regex(r"\Ahttps?://[a-zA-Z0-9.:@\[\]-]{1,20}(/[^?#\s]{0,10}){0,3}(\?[^#\s]{0,20})?(#\S{0,5})?\Z"))
def test_normalize_url_is_idempotent_on_url_like_text(text):
    once = normalize_url(text)
    assert normalize_url(once) == once


# The editorial workflow as a state machine

ACTORS = ["editor", "reviewer", "reviewer", "reader"]
STEPS = {"accepted": 0, "refused": 0, "statuses": set()}
REASONS = st.sampled_from(["", "   ", "New evidence.", "We got it wrong.", "Misread.", "Source withdrawn."])


class Workflow(RuleBasedStateMachine):
    """One claim per run; self.model is what the services should have made of it."""

    users: dict = {}

    def __init__(self):
        super().__init__()
        # Meets the publishing standards but for its verdict, which the machine follows.
        claim = ClaimFactory(text="A claim the machine works on.", ready=True)
        self.pk = claim.pk
        self.model = {"status": Status.DRAFT, "verdict": Verdict.UNVERIFIED, "version": claim.version}
        self.changes = []  # (previous, verdict, kind, reason) of every accepted verdict change
        self.accepted = 0
        self.refused = 0

    def claim(self) -> Claim:
        return Claim.objects.get(pk=self.pk)

    def attempt(self, call, expected_error, on_success):
        """Run a service call; it must be refused exactly when the model says so, and then change nothing."""
        before = (self.claim().version, Claim.history.filter(id=self.pk).count())
        try:
            call(self.claim())
        except (ValidationError, PermissionDenied) as exc:
            assert expected_error is not None, f"refused, but the model allows it: {exc}"
            assert isinstance(exc, expected_error), exc
            assert (self.claim().version, Claim.history.filter(id=self.pk).count()) == before
            self.refused += 1
            return
        assert expected_error is None, "allowed, but the model refuses it"
        self.accepted += 1
        self.model["version"] += 1
        on_success()
        STEPS["statuses"].add(self.model["status"])

    def permission(self, actor, publish: bool):
        if actor == "reviewer" or (actor == "editor" and not publish):
            return None
        return PermissionDenied

    @rule(actor=st.sampled_from(ACTORS))
    def submit(self, actor):
        error = self.permission(actor, publish=False)
        if error is None and self.model["status"] != Status.DRAFT:
            error = ValidationError
        self.attempt(
            lambda c: services.claim_submit(claim=c, by=self.users[actor]),
            error,
            lambda: self.model.update(status=Status.IN_REVIEW),
        )

    @rule(actor=st.sampled_from(ACTORS))
    def send_back(self, actor):
        error = self.permission(actor, publish=True)
        if error is None and self.model["status"] != Status.IN_REVIEW:
            error = ValidationError
        self.attempt(
            lambda c: services.claim_send_back(claim=c, by=self.users[actor]),
            error,
            lambda: self.model.update(status=Status.DRAFT),
        )

    @rule(actor=st.sampled_from(ACTORS))
    def publish(self, actor):
        error = self.permission(actor, publish=True)
        if error is None and (self.model["status"] != Status.IN_REVIEW or self.model["verdict"] == Verdict.UNVERIFIED):
            error = ValidationError
        self.attempt(
            lambda c: services.claim_publish(claim=c, by=self.users[actor]),
            error,
            lambda: self.model.update(status=Status.PUBLISHED),
        )

    @rule(actor=st.sampled_from(ACTORS), reason=REASONS)
    def retract(self, actor, reason):
        error = self.permission(actor, publish=True)
        if error is None and (not reason.strip() or self.model["status"] != Status.PUBLISHED):
            error = ValidationError
        self.attempt(
            lambda c: services.claim_retract(claim=c, by=self.users[actor], reason=reason),
            error,
            lambda: self.model.update(status=Status.RETRACTED),
        )

    @rule(
        actor=st.sampled_from(ACTORS),
        verdict=st.sampled_from([*Verdict.values, "pants_on_fire"]),
        kind=st.sampled_from([*VerdictChange.Kind.values, "guess"]),
        reason=REASONS,
    )
    def set_verdict(self, actor, verdict, kind, reason):
        current, rated = self.model["verdict"], bool(self.changes)
        refused = (
            verdict not in Verdict.values
            or kind not in VerdictChange.Kind.values
            or not reason.strip()
            or self.model["status"] == Status.RETRACTED
            or verdict == current
            or verdict not in verdicts.RATINGS  # "not yet rated" is never given
            or (kind == VerdictChange.Kind.INITIAL) == rated
        )
        error = self.permission(actor, publish=True) or (ValidationError if refused else None)

        def accepted():
            self.changes.append((current, verdict, kind, reason.strip()))
            self.model["verdict"] = verdict

        self.attempt(
            lambda c: services.claim_set_verdict(
                claim=c, by=self.users[actor], verdict=verdict, kind=kind, reason=reason
            ),
            error,
            accepted,
        )

    def teardown(self):
        STEPS["accepted"] += self.accepted
        STEPS["refused"] += self.refused

    @rule(actor=st.sampled_from(["reviewer", "reviewer", "editor"]), verdict=st.sampled_from(Verdict.values))
    def rate_as_the_form_would(self, actor, verdict):
        """The kind a reviewer would pick: initial the first time, then update or correction."""
        kind = VerdictChange.Kind.UPDATE if self.changes else VerdictChange.Kind.INITIAL
        self.set_verdict(actor=actor, verdict=verdict, kind=kind, reason="On the evidence.")

    @rule()
    def advance(self):
        """The next step a newsroom would take, so that runs get far along the workflow."""
        status = self.model["status"]
        if status == Status.DRAFT:
            self.submit(actor="editor")
        elif status == Status.IN_REVIEW and self.model["verdict"] == Verdict.UNVERIFIED:
            self.rate_as_the_form_would(actor="reviewer", verdict=Verdict.MOSTLY_TRUE)
        elif status == Status.IN_REVIEW:
            self.publish(actor="reviewer")
        else:
            self.retract(actor="reviewer", reason="Source withdrawn.")

    @invariant()
    def the_claim_is_what_the_model_says(self):
        claim = self.claim()
        assert (claim.status, claim.verdict, claim.version) == (
            self.model["status"],
            self.model["verdict"],
            self.model["version"],
        )

    @invariant()
    def status_and_dates_agree(self):
        claim = self.claim()
        ever_published = claim.status in (Status.PUBLISHED, Status.RETRACTED)
        assert (claim.published_at is not None) == ever_published
        assert (claim.retracted_at is not None) == (claim.status == Status.RETRACTED)
        assert bool(claim.retraction_reason) == (claim.status == Status.RETRACTED)
        if ever_published:
            assert claim.verdict != Verdict.UNVERIFIED

    @invariant()
    def verdict_history_is_the_accepted_changes(self):
        rows = VerdictChange.objects.filter(claim_id=self.pk).order_by("changed_at", "id")
        assert [(r.previous_verdict, r.verdict, r.kind, r.reason) for r in rows] == self.changes
        assert VerdictChange.history.filter(claim_id=self.pk).count() == len(self.changes)

    @invariant()
    def every_accepted_change_has_a_history_row(self):
        history = Claim.history.filter(id=self.pk).order_by("history_id")
        assert history.count() == 1 + self.accepted
        assert [h.version for h in history] == list(range(1, 2 + self.accepted))


@pytest.mark.django_db
def test_any_sequence_of_workflow_steps_leaves_a_consistent_claim_and_history():
    Workflow.users = {"editor": EditorFactory(), "reviewer": ReviewerFactory(), "reader": UserFactory()}
    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=40, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
    print(f"\nworkflow machine: {STEPS['accepted']} steps accepted, {STEPS['refused']} refused")
    # The machine got everywhere: steps went through and were refused, claims reached every status.
    assert STEPS["accepted"] and STEPS["refused"]
    assert STEPS["statuses"] | {Status.DRAFT} == set(Status.values)
