"""The demo story: artists who said they leaked access to OpenAI's Sora in November 2024.

Written in plain English from the facts of The Verge's article of 26 November 2024.
`python manage.py seed_demo` loads it with `load_demo_story()`; loading twice changes nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from claims import services
from claims.models import Claim, Evidence, Source, Speaker, Statement, Status, Topic, Verdict, VerdictChange
from claims.normalize import normalize_url

SYSTEM_USERNAME = "factcheck-demo-desk"
REVIEWERS_GROUP = "Reviewers"
EDITORS_GROUP = "Editors"

STORY_DAY = datetime.date(2024, 11, 26)
RATED_ON = datetime.date(2024, 11, 27)
SORA_RELEASED_ON = datetime.date(2024, 12, 9)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


TOPICS = ["AI", "OpenAI", "Sora", "Artists"]

# slug -> fields; "affiliation" names another speaker's slug.
SPEAKERS = {
    "openai": {
        "name": "OpenAI",
        "kind": Speaker.Kind.ORGANIZATION,
        "title": "AI research and products company",
        "wikidata_id": "Q21708200",
        "url": "https://openai.com",
        "description": "The company that makes ChatGPT and the Sora video model.",
    },
    "niko-felix": {
        "name": "Niko Felix",
        "kind": Speaker.Kind.PERSON,
        "title": "OpenAI spokesperson",
        "affiliation": "openai",
        "description": "Spoke for OpenAI about the Sora leak.",
    },
    "mira-murati": {
        "name": "Mira Murati",
        "kind": Speaker.Kind.PERSON,
        "title": "Former chief technology officer of OpenAI",
        "affiliation": "openai",
        "description": "OpenAI's chief technology officer until September 2024.",
    },
    "kevin-weil": {
        "name": "Kevin Weil",
        "kind": Speaker.Kind.PERSON,
        "title": "Chief product officer of OpenAI",
        "affiliation": "openai",
    },
    "sora-beta-testers": {
        "name": "Sora beta testers",
        "kind": Speaker.Kind.ORGANIZATION,
        "title": "Artists in OpenAI's Sora early-access program",
        "description": "The group of artists and testers who posted an open letter on Hugging Face "
        "and said they leaked access to Sora in protest.",
    },
    "the-verge": {
        "name": "The Verge",
        "kind": Speaker.Kind.ORGANIZATION,
        "title": "Technology news publisher",
        "url": "https://www.theverge.com",
    },
    "techcrunch": {
        "name": "TechCrunch",
        "kind": Speaker.Kind.ORGANIZATION,
        "title": "Technology news publisher",
        "url": "https://techcrunch.com",
    },
}

VERGE_URL = "https://www.theverge.com/2024/11/26/24306879/openai-sora-video-ai-model-leak-artist-protest"
TECHCRUNCH_URL = "https://techcrunch.com/2024/11/26/artists-appears-to-have-leaked-access-to-openais-sora/"
LETTER_URL = "https://huggingface.co/spaces/PR-Puppets/PR-Puppet-Sora"
WSJ_URL = "https://www.wsj.com/tech/personal-tech/openai-cto-sora-generative-video-interview-b66320bb"
AMA_URL = "https://www.reddit.com/r/ChatGPT/comments/1ggixzy/ama_with_openais_sam_altman_kevin_weil_srinivas/"

# key -> fields; the key is how statements and claims below name a source.
SOURCES = {
    "verge": {
        "url": VERGE_URL,
        "title": "Artists say they leaked OpenAI's Sora video model in protest",
        "publisher": "The Verge",
        "author": "Kylie Robison",
        "kind": Source.Kind.NEWS_ARTICLE,
        "published_on": STORY_DAY,
        "notes": "Carries OpenAI's statement by Niko Felix; OpenAI would not confirm whether the leak was authentic.",
    },
    "techcrunch": {
        "url": TECHCRUNCH_URL,
        "title": "Artists appear to have leaked access to OpenAI's Sora",
        "publisher": "TechCrunch",
        "kind": Source.Kind.NEWS_ARTICLE,
        "published_on": STORY_DAY,
        "notes": "First reported the alleged leak, according to The Verge.",
    },
    "letter": {
        "url": LETTER_URL,
        "title": "Open letter from Sora beta testers: artists are not your unpaid R&D",
        "publisher": "Hugging Face",
        "author": "Sora beta testers",
        "kind": Source.Kind.OPEN_LETTER,
        "published_on": STORY_DAY,
        "notes": "A post on Hugging Face with a working interface to Sora, since shut down, and the open letter.",
    },
    "wsj": {
        "url": WSJ_URL,
        "title": "Interview with Mira Murati on Sora",
        "publisher": "The Wall Street Journal",
        "kind": Source.Kind.INTERVIEW,
        "published_on": datetime.date(2024, 3, 13),
        "notes": "Murati, then OpenAI's CTO, said Sora would be available by the end of 2024.",
    },
    "ama": {
        "url": AMA_URL,
        "title": "AMA with OpenAI's leadership on r/ChatGPT",
        "publisher": "Reddit",
        "kind": Source.Kind.FORUM_POST,
        "published_on": datetime.date(2024, 10, 31),
        "notes": "Kevin Weil answered why Sora had not been released yet.",
    },
}

LETTER_QUOTE = (
    "We are not against the use of AI technology as a tool for the arts ... What we don't agree with is "
    "how this artist program has been rolled out and how the tool is shaping up ahead of a possible public release."
)
FELIX_PREVIEW_QUOTE = (
    "Sora is still in research preview, and we're working to balance creativity with robust safety measures "
    "for broader use."
)
FELIX_HUNDREDS_QUOTE = (
    "Hundreds of artists in our alpha have shaped Sora's development, helping prioritize new features and safeguards."
)
FELIX_VOLUNTARY_QUOTE = (
    "Participation is voluntary, with no obligation to provide feedback or use the tool. We've been excited to "
    "offer these artists free access and will continue supporting them through grants, events, and other programs."
)
MURATI_QUOTE = (
    "we will not release anything we don't feel confident on when it comes to how it might affect global "
    "elections or other issues."
)


@dataclass(frozen=True)
class DemoStatement:
    key: str
    source: str
    speaker: str | None
    text: str
    is_quote: bool
    stated_on: datetime.date


STATEMENTS = [
    DemoStatement(
        "videos",
        "letter",
        "sora-beta-testers",
        "People were able to generate many AI videos, all resembling OpenAI's own Sora demos, "
        "before OpenAI stepped in and shut down access.",
        False,
        STORY_DAY,
    ),
    DemoStatement(
        "no-confirmation",
        "verge",
        "the-verge",
        "When contacted by The Verge, OpenAI would not confirm on the record whether the alleged Sora leak "
        "was authentic.",
        False,
        STORY_DAY,
    ),
    DemoStatement(
        "techcrunch-report",
        "techcrunch",
        "techcrunch",
        "A group of artists in OpenAI's Sora early-access program appear to have leaked access to the model.",
        False,
        STORY_DAY,
    ),
    DemoStatement("unpaid-rd", "letter", "sora-beta-testers", "ARTISTS ARE NOT YOUR UNPAID R&D", True, STORY_DAY),
    DemoStatement(
        "art-washing",
        "letter",
        "sora-beta-testers",
        'OpenAI\'s early-access program exploits artists for free labor and "art washing", lending artistic '
        "credibility to a corporate product, with hundreds of artists providing unpaid testing and feedback.",
        False,
        STORY_DAY,
    ),
    DemoStatement("letter-quote", "letter", "sora-beta-testers", LETTER_QUOTE, True, STORY_DAY),
    DemoStatement(
        "approval",
        "letter",
        "sora-beta-testers",
        "The testers object to the program's terms, which say that every output needs to be approved by the "
        "OpenAI team before sharing.",
        False,
        STORY_DAY,
    ),
    DemoStatement("felix-preview", "verge", "niko-felix", FELIX_PREVIEW_QUOTE, True, STORY_DAY),
    DemoStatement("felix-hundreds", "verge", "niko-felix", FELIX_HUNDREDS_QUOTE, True, STORY_DAY),
    DemoStatement("felix-voluntary", "verge", "niko-felix", FELIX_VOLUNTARY_QUOTE, True, STORY_DAY),
    DemoStatement(
        "murati-end-of-year",
        "wsj",
        "mira-murati",
        "Sora would be available by the end of the year.",
        False,
        datetime.date(2024, 3, 13),
    ),
    DemoStatement("murati-caveat", "wsj", "mira-murati", MURATI_QUOTE, True, datetime.date(2024, 3, 13)),
    DemoStatement(
        "weil-ama",
        "ama",
        "kevin-weil",
        "Sora has not been released yet because OpenAI still needs to scale the compute required to power it "
        "and get safety, impersonation and other things right.",
        False,
        datetime.date(2024, 10, 31),
    ),
    DemoStatement(
        "valuation",
        "verge",
        "the-verge",
        "OpenAI recently raised billions of dollars at a $150 billion valuation.",
        False,
        STORY_DAY,
    ),
]


@dataclass(frozen=True)
class DemoEvidence:
    statement: str
    stance: str
    note: str = ""
    rank: str = Evidence.Rank.NORMAL
    deprecation_reason: str = ""


@dataclass(frozen=True)
class DemoVerdict:
    verdict: str
    kind: str
    reason: str
    on: datetime.date


@dataclass(frozen=True)
class DemoClaim:
    slug: str
    text: str
    claimant: str
    first_appearance: str
    first_appeared_on: datetime.date
    topics: list[str]
    summary: str
    evidence: list[DemoEvidence]
    verdicts: list[DemoVerdict] = field(default_factory=list)
    status: str = Status.PUBLISHED


S, R, C = Evidence.Stance.SUPPORTS, Evidence.Stance.REFUTES, Evidence.Stance.CONTEXT
INITIAL, UPDATE = VerdictChange.Kind.INITIAL, VerdictChange.Kind.UPDATE

CLAIMS = [
    DemoClaim(
        slug="leaked-sora-access-was-authentic",
        text="The leaked Sora access was authentic.",
        claimant="sora-beta-testers",
        first_appearance="letter",
        first_appeared_on=STORY_DAY,
        topics=["AI", "OpenAI", "Sora", "Artists"],
        summary=(
            "On 26 November 2024 a group of Sora beta testers posted a working interface to OpenAI's "
            "unreleased video model on **Hugging Face**, and said people used it to make many videos before "
            "OpenAI shut access down.\n\n"
            "- The videos resembled OpenAI's own Sora demos.\n"
            "- OpenAI would not confirm *on the record* whether the leak was authentic.\n\n"
            "The evidence points one way but does not settle it: we rate the claim **unproven** until OpenAI "
            "or another independent source confirms it."
        ),
        evidence=[
            DemoEvidence("videos", S, "The testers' own account of what people generated.", Evidence.Rank.PREFERRED),
            DemoEvidence("no-confirmation", C, "OpenAI neither confirmed nor denied."),
            DemoEvidence("techcrunch-report", C, "The first report says the artists appear to have leaked access."),
        ],
        verdicts=[
            DemoVerdict(
                Verdict.UNPROVEN,
                INITIAL,
                "The videos resemble OpenAI's demos, but OpenAI would not confirm the leak on the record and no "
                "independent source has verified it.",
                RATED_ON,
            )
        ],
    ),
    DemoClaim(
        slug="sora-early-access-uses-artists-as-unpaid-rd-and-pr",
        text="OpenAI's Sora early-access program uses artists as unpaid R&D and PR.",
        claimant="sora-beta-testers",
        first_appearance="letter",
        first_appeared_on=STORY_DAY,
        topics=["OpenAI", "Sora", "Artists"],
        summary=(
            "The artists' open letter says the program turns them into *unpaid R&D and PR* for a company "
            "recently valued at $150 billion.\n\n"
            "OpenAI answers that taking part is **voluntary**, with no obligation to give feedback or even use "
            "the tool, and that artists get free access, grants and events.\n\n"
            "Both accounts agree the artists were not paid for testing; whether that makes them unpaid R&D "
            "and PR is a matter of how the program is run, which the two sides describe differently."
        ),
        evidence=[
            DemoEvidence("unpaid-rd", S, "The letter's headline.", Evidence.Rank.PREFERRED),
            DemoEvidence("art-washing", S),
            DemoEvidence("letter-quote", C, "The artists say they are not against AI as a tool for the arts."),
            DemoEvidence("felix-voluntary", R, "OpenAI: participation is voluntary and artists get free access."),
        ],
        verdicts=[
            DemoVerdict(
                Verdict.MIXED,
                INITIAL,
                "The artists tested and gave feedback without pay, as they say; OpenAI says that was voluntary "
                "and came with free access, grants and events. Part of the claim holds, part is a "
                "characterization the evidence does not settle.",
                RATED_ON,
            )
        ],
    ),
    DemoClaim(
        slug="every-sora-output-must-be-approved-by-openai",
        text="Every Sora output must be approved by the OpenAI team before sharing.",
        claimant="sora-beta-testers",
        first_appearance="letter",
        first_appeared_on=STORY_DAY,
        topics=["OpenAI", "Sora", "Artists"],
        summary=(
            "The testers object to a requirement in the program's terms that *every output* be approved by "
            "the OpenAI team before it is shared.\n\n"
            "**Still to do:** we have not seen the terms ourselves, and OpenAI has not commented on this point."
        ),
        evidence=[DemoEvidence("approval", S, "The testers quote the program's terms.")],
        status=Status.DRAFT,
    ),
    DemoClaim(
        slug="sora-will-be-available-by-the-end-of-2024",
        text="Sora will be available by the end of 2024.",
        claimant="mira-murati",
        first_appearance="wsj",
        first_appeared_on=datetime.date(2024, 3, 13),
        topics=["AI", "OpenAI", "Sora"],
        summary=(
            "In March 2024 Mira Murati, then OpenAI's chief technology officer, told *The Wall Street Journal* "
            "that Sora would be available by the end of the year, with a caveat: OpenAI would not release "
            "anything it did not feel confident about regarding global elections or other issues.\n\n"
            "By late November 2024 Sora was still in research preview, and Kevin Weil said OpenAI still had "
            "to scale compute and get safety and impersonation right.\n\n"
            "**Update, 10 December 2024:** OpenAI released Sora to the public on 9 December 2024, as part of "
            "its ChatGPT Plus and Pro subscriptions, so the forecast came true before the end of the year."
        ),
        evidence=[
            DemoEvidence("murati-end-of-year", S, "The claim as first made.", Evidence.Rank.PREFERRED),
            DemoEvidence("murati-caveat", C, "The release was conditional."),
            DemoEvidence(
                "weil-ama",
                C,
                "As of late October 2024, Sora was not released.",
                Evidence.Rank.DEPRECATED,
                "Outdated: OpenAI released Sora to the public on 9 December 2024.",
            ),
            DemoEvidence("felix-preview", C, "Still in research preview on 26 November 2024."),
        ],
        verdicts=[
            DemoVerdict(
                Verdict.UNPROVEN,
                INITIAL,
                "A forecast, with a condition attached: as of late November 2024 Sora was still in research "
                "preview, and nothing yet showed whether it would be released before the end of the year.",
                RATED_ON,
            ),
            DemoVerdict(
                Verdict.TRUE,
                UPDATE,
                "New evidence: OpenAI released Sora to the public on 9 December 2024, for ChatGPT Plus and Pro "
                "subscribers, so it became available before the end of 2024.",
                datetime.date(2024, 12, 10),
            ),
        ],
    ),
    DemoClaim(
        slug="sora-not-released-because-of-compute-and-safety",
        text="Sora has not been released because OpenAI still needs to scale compute and get safety and "
        "impersonation right.",
        claimant="kevin-weil",
        first_appearance="ama",
        first_appeared_on=datetime.date(2024, 10, 31),
        topics=["AI", "OpenAI", "Sora"],
        summary=(
            "In a Reddit AMA in late 2024, OpenAI's chief product officer Kevin Weil said Sora was not yet "
            "released because OpenAI needed to *scale* the compute to power it and get "
            "*safety/impersonation/other things right*.\n\n"
            "Only OpenAI knows its reasons; nothing outside the company confirms or contradicts them."
        ),
        evidence=[
            DemoEvidence("weil-ama", S, "The claim as first made.", Evidence.Rank.PREFERRED),
            DemoEvidence("felix-preview", C, "OpenAI's statement to The Verge also stresses safety."),
        ],
        verdicts=[
            DemoVerdict(
                Verdict.UNPROVEN,
                INITIAL,
                "A statement about OpenAI's own reasons that no independent evidence confirms or contradicts.",
                RATED_ON,
            )
        ],
        status=Status.IN_REVIEW,
    ),
    DemoClaim(
        slug="openai-raised-billions-at-150-billion-valuation",
        text="OpenAI recently raised billions of dollars at a $150 billion valuation.",
        claimant="the-verge",
        first_appearance="verge",
        first_appeared_on=STORY_DAY,
        topics=["AI", "OpenAI"],
        summary=(
            "The Verge's own reporting. OpenAI announced in October 2024 that it had raised **$6.6 billion** "
            "at a **$157 billion** valuation after the new money, about $150 billion before it."
        ),
        evidence=[DemoEvidence("valuation", S, "The Verge, in its own voice.", Evidence.Rank.PREFERRED)],
        verdicts=[
            DemoVerdict(
                Verdict.TRUE,
                INITIAL,
                "OpenAI's October 2024 funding round raised $6.6 billion at a $157 billion post-money "
                "valuation, about $150 billion before the new money.",
                RATED_ON,
            )
        ],
    ),
    DemoClaim(
        slug="hundreds-of-artists-shaped-soras-development",
        text="Hundreds of artists in the alpha have shaped Sora's development.",
        claimant="openai",
        first_appearance="verge",
        first_appeared_on=STORY_DAY,
        topics=["OpenAI", "Sora", "Artists"],
        summary=(
            "OpenAI's statement to The Verge, by spokesperson Niko Felix, says hundreds of artists in the "
            "alpha shaped Sora's development, helping prioritize new features and safeguards.\n\n"
            "The artists' letter agrees that hundreds of artists tested the model, but disputes **how** they "
            "were used: as unpaid testers and PR rather than as creative partners."
        ),
        evidence=[
            DemoEvidence("felix-hundreds", S, "OpenAI's statement.", Evidence.Rank.PREFERRED),
            DemoEvidence("art-washing", C, "The artists agree on the numbers, not on how they were used."),
            DemoEvidence("letter-quote", C),
        ],
        verdicts=[
            DemoVerdict(
                Verdict.MOSTLY_TRUE,
                INITIAL,
                "Both OpenAI and the artists put the number of artists in the program in the hundreds; how much "
                "they shaped Sora rests on OpenAI's word, and the artists dispute how their work was used.",
                RATED_ON,
            )
        ],
    ),
]

# The demo accounts made with DEBUG on: username -> (password, group, superuser).
DEMO_ACCOUNTS = {
    "editor": ("factcheck-editor", EDITORS_GROUP, False),
    "reviewer": ("factcheck-reviewer", REVIEWERS_GROUP, False),
    "admin": ("factcheck-admin", None, True),
}

SEED_REASON = "Demo story loaded by seed_demo"


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    steps: int = 0

    def add(self, what: str) -> None:
        self.created[what] = self.created.get(what, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created) or bool(self.steps)


def system_user():
    """The reviewer the demo's workflow steps are recorded under; it cannot log in."""
    User = get_user_model()
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, first_name="Demo", last_name="desk", is_active=True)
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
        user = User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache
    return user


def _create(model, by, report: LoadReport, **fields):
    obj = model(**fields)
    obj.full_clean()
    obj._history_user = by
    obj._change_reason = SEED_REASON
    obj.save()
    report.add(model._meta.verbose_name_plural)
    return obj


def _topics(by, report) -> dict[str, Topic]:
    topics = {}
    for name in TOPICS:
        topics[name] = Topic.objects.filter(name=name).first() or _create(Topic, by, report, name=name)
    return topics


def _speakers(by, report) -> dict[str, Speaker]:
    speakers: dict[str, Speaker] = {}
    # Organizations first, so affiliations resolve.
    for slug, data in sorted(SPEAKERS.items(), key=lambda item: "affiliation" in item[1]):
        speaker = Speaker.objects.filter(slug=slug).first()
        if speaker is None:
            fields = dict(data)
            if "affiliation" in fields:
                fields["affiliation"] = speakers[fields["affiliation"]]
            speaker = _create(Speaker, by, report, slug=slug, **fields)
        speakers[slug] = speaker
    return speakers


def _sources(by, report) -> dict[str, Source]:
    sources = {}
    for key, data in SOURCES.items():
        source = Source.objects.filter(url=normalize_url(data["url"])).first()
        if source is None:
            source = _create(Source, by, report, accessed_at=_at(STORY_DAY, 18), **data)
        sources[key] = source
    return sources


def _statements(by, report, sources, speakers) -> dict[str, Statement]:
    statements = {}
    for item in STATEMENTS:
        fields = {
            "source": sources[item.source],
            "speaker": speakers[item.speaker] if item.speaker else None,
            "text": item.text,
        }
        statement = Statement.objects.filter(**fields).first()
        if statement is None:
            statement = _create(Statement, by, report, is_quote=item.is_quote, stated_on=item.stated_on, **fields)
        statements[item.key] = statement
    return statements


def _claim(item: DemoClaim, by, report, *, topics, speakers, sources, statements) -> Claim:
    claim = Claim.objects.filter(slug=item.slug).first()
    if claim is None:
        claim = _create(
            Claim,
            by,
            report,
            slug=item.slug,
            text=item.text,
            claimant=speakers[item.claimant],
            first_appearance=sources[item.first_appearance],
            first_appeared_on=item.first_appeared_on,
            summary=item.summary,
            language="en",
        )
        claim.topics.set([topics[name] for name in item.topics])
    for ev in item.evidence:
        statement = statements[ev.statement]
        if not Evidence.objects.filter(claim=claim, statement=statement).exists():
            _create(
                Evidence,
                by,
                report,
                claim=claim,
                statement=statement,
                stance=ev.stance,
                rank=ev.rank,
                deprecation_reason=ev.deprecation_reason,
                note=ev.note,
            )
    _workflow(claim, item, by, report)
    return claim


def _workflow(claim: Claim, item: DemoClaim, by, report) -> None:
    """Take the claim as far as the story goes, through the services; steps already done are skipped.

    The first verdict comes before publication, later ones (updates) after it, as in a newsroom.
    """
    done = claim.verdict_changes.count()
    if done == 0 and item.verdicts:
        _set_verdict(claim, item.verdicts[0], by, report)
    if item.status in (Status.IN_REVIEW, Status.PUBLISHED) and claim.status == Status.DRAFT:
        services.claim_submit(claim=claim, by=by)
        report.steps += 1
    if item.status == Status.PUBLISHED and claim.status == Status.IN_REVIEW:
        services.claim_publish(claim=claim, by=by)
        published_at = _at(item.verdicts[0].on)
        Claim.objects.filter(pk=claim.pk).update(published_at=published_at)
        # The history keeps the story's dates too, so that it still mirrors the claim.
        Claim.history.filter(id=claim.pk, published_at__isnull=False).update(published_at=published_at)
        report.steps += 1
    for step in item.verdicts[max(done, 1) :]:
        _set_verdict(claim, step, by, report)


def _set_verdict(claim: Claim, step: DemoVerdict, by, report) -> None:
    change = services.claim_set_verdict(claim=claim, by=by, verdict=step.verdict, kind=step.kind, reason=step.reason)
    # Dated as in the story, so that its public history reads in order.
    VerdictChange.objects.filter(pk=change.pk).update(changed_at=_at(step.on))
    VerdictChange.history.filter(id=change.pk).update(changed_at=_at(step.on))
    report.steps += 1


@transaction.atomic
def load_demo_story(*, by=None) -> LoadReport:
    """Load the Sora leak story; what already exists (by slug, URL or text) is left as it is."""
    by = by or system_user()
    report = LoadReport()
    topics = _topics(by, report)
    speakers = _speakers(by, report)
    sources = _sources(by, report)
    statements = _statements(by, report, sources, speakers)
    for item in CLAIMS:
        _claim(item, by, report, topics=topics, speakers=speakers, sources=sources, statements=statements)
    return report


@dataclass(frozen=True)
class AccountResult:
    username: str
    password: str
    role: str
    created: bool
    password_is_demo: bool


def ensure_demo_accounts() -> list[AccountResult]:
    """Create the demo editor, reviewer and admin if missing; existing accounts are left alone."""
    User = get_user_model()
    results = []
    for username, (password, group, superuser) in DEMO_ACCOUNTS.items():
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, email=f"{username}@example.org", is_staff=True, is_superuser=superuser)
            user.set_password(password)
            user.save()
            if group:
                user.groups.add(Group.objects.get(name=group))
        role = "superuser" if superuser else f"{group} group"
        results.append(AccountResult(username, password, role, created, user.check_password(password)))
    return results
