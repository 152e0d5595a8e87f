"""A script for `manage.py shell -c` on a factcheck process the tests run (tests/test_following.py): publish a
rated claim through the services, or retract one, and print its slug."""

from claims import services
from claims.accounts import REVIEWERS_GROUP, service_account
from claims.models import Claim, Evidence, Source, Speaker


def reviewer():
    return service_account("e2e-reviewer", "End-to-end", "reviewer", groups=[REVIEWERS_GROUP])


def publish(text: str, verdict: str = "false") -> Claim:
    by = reviewer()
    speaker = Speaker.objects.filter(name="An artist").first() or services.speaker_create(by=by, name="An artist")
    source = services.source_create(
        by=by, url=f"https://news.example.org/{Claim.objects.count() + 1}", title="A report", kind=Source.Kind.OTHER
    )
    statement = services.statement_create(by=by, source=source, speaker=speaker, text=text, is_quote=True)
    claim = services.claim_create(by=by, text=text, claimant=speaker, summary="We read the sources and checked.")
    services.evidence_create(claim=claim, statement=statement, by=by, stance=Evidence.Stance.SUPPORTS)
    services.claim_submit(claim=claim, by=by)
    claim = Claim.objects.get(pk=claim.pk)
    services.claim_set_verdict(claim=claim, by=by, verdict=verdict, kind="initial", reason="Rated.")
    return services.claim_publish(claim=Claim.objects.get(pk=claim.pk), by=by)


def retract(slug: str) -> Claim:
    return services.claim_retract(claim=Claim.objects.get(slug=slug), by=reviewer(), reason="Our error.")
