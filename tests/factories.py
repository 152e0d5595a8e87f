"""One factory per model, and the editor and reviewer roles."""

import datetime
import hashlib
from importlib import import_module

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from archive.models import Capture, Change
from claims.accounts import EDITORS_GROUP, REVIEWERS_GROUP
from claims.models import (
    Claim,
    Evidence,
    ExternalReview,
    Source,
    Speaker,
    Statement,
    Status,
    Topic,
    Verdict,
    VerdictChange,
)

# The editor and reviewer roles: the groups the data migration makes, each with its permissions.
ROLES = import_module("claims.migrations.0002_editor_and_reviewer_groups").GROUPS
EDITORS, REVIEWERS = EDITORS_GROUP, REVIEWERS_GROUP
assert set(ROLES) == {EDITORS, REVIEWERS}


def ensure_roles():
    """Make the role groups again as the data migration made them (a transactional test's flush empties them)."""
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))


def _add_groups(user, create, names):
    if create and names:
        user.groups.add(*Group.objects.filter(name__in=names))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")

    groups = factory.PostGeneration(lambda user, create, extracted, **kw: _add_groups(user, create, extracted))


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    groups = factory.PostGeneration(lambda user, create, extracted, **kw: _add_groups(user, create, [EDITORS]))


class ReviewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"reviewer{n}")
    is_staff = True
    groups = factory.PostGeneration(lambda user, create, extracted, **kw: _add_groups(user, create, [REVIEWERS]))


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Speaker {n}")
    kind = Speaker.Kind.PERSON


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example.org/story-{n}")
    title = factory.Sequence(lambda n: f"Story {n}")
    publisher = "Example News"
    kind = Source.Kind.NEWS_ARTICLE
    published_on = datetime.date(2024, 11, 26)


class CaptureFactory(factory.django.DjangoModelFactory):
    """A capture as the archive records it (archive/services.py), without fetching: done, readable, first."""

    class Meta:
        model = Capture

    source = factory.SubFactory(SourceFactory)
    key = factory.Sequence(lambda n: f"capture-{n:08d}")
    reason = Capture.Reason.CREATED
    url = factory.SelfAttribute("source.url")
    final_url = factory.SelfAttribute("source.url")
    state = Capture.State.DONE
    change = Change.FIRST
    requested_at = factory.LazyFunction(timezone.now)
    captured_at = factory.SelfAttribute("requested_at")
    http_status = 200
    content_type = "text/html"
    text = factory.Sequence(lambda n: f"The page's text, version {n}.")
    size = factory.LazyAttribute(lambda o: len(o.text.encode()))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.text.encode()).hexdigest())
    fingerprint = "0123456789abcdef"


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    source = factory.SubFactory(SourceFactory)
    speaker = factory.SubFactory(SpeakerFactory)
    text = factory.Sequence(lambda n: f"Statement number {n} about the matter.")
    is_quote = True
    stated_on = datetime.date(2024, 11, 26)


class ClaimFactory(factory.django.DjangoModelFactory):
    """A draft, unrated claim; use PublishedClaimFactory for one a reader sees."""

    class Meta:
        model = Claim
        skip_postgeneration_save = True

    text = factory.Sequence(lambda n: f"Claim number {n} is true.")
    claimant = factory.SubFactory(SpeakerFactory)
    status = Status.DRAFT
    verdict = Verdict.UNVERIFIED

    class Params:
        # Meets the publishing standards but for its verdict: a written fact check and a sourced,
        # supporting statement (claims.workflow.publish_checklist).
        ready = factory.Trait(
            summary="We read what the sources say and weighed it against the claim.",
            cited=factory.RelatedFactory("tests.factories.EvidenceFactory", factory_related_name="claim"),
        )

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.add(*extracted)


class PublishedClaimFactory(ClaimFactory):
    status = Status.PUBLISHED
    verdict = Verdict.FALSE
    published_at = factory.LazyFunction(timezone.now)
    public_updated_at = factory.SelfAttribute("published_at")


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    claim = factory.SubFactory(ClaimFactory)
    statement = factory.SubFactory(StatementFactory)
    stance = Evidence.Stance.SUPPORTS
    rank = Evidence.Rank.NORMAL


class VerdictChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VerdictChange

    claim = factory.SubFactory(ClaimFactory)
    previous_verdict = Verdict.UNVERIFIED
    verdict = Verdict.FALSE
    kind = VerdictChange.Kind.INITIAL
    reason = "Rated on the evidence gathered."


class ExternalReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalReview

    claim = factory.SubFactory(ClaimFactory)
    url = factory.Sequence(lambda n: f"https://checker.example.org/review-{n}")
    title = factory.Sequence(lambda n: f"Review {n}")
    publisher_name = "Example Checker"
    textual_rating = "False"
    mapped_verdict = Verdict.FALSE
