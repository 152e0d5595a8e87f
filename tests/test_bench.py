"""`manage.py bench` at a tiny size: it builds its data set, measures, prints its table, and never touches a real
site's data. (No timings are asserted: the figures are the benchmark's business, not the test suite's.)"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import Resolver404, resolve

from bench import data
from claims.models import Claim, Evidence, Speaker, Statement, Status, VerdictChange
from tests.factories import PublishedClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bench_installed(settings):
    """`manage.py bench` is a command of bench/settings.py only, which adds the bench app to the site's: as here."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]


def bench(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command(
        "bench", *args, "--no-load", "--no-archive", "--changes", "0", "--webhook-events", "0", "--repeat", "1",
        stdout=out, stderr=err,
    )  # fmt: skip
    return out.getvalue() + err.getvalue()


def test_builds_the_data_set_and_prints_the_table():
    output = bench("--claims", "200")

    assert Claim.objects.count() == 200
    assert Claim.objects.filter(slug__startswith=data.CLAIM_SLUG_PREFIX).count() == 200
    assert Statement.objects.count() == 200 * data.STATEMENTS_PER_CLAIM
    assert Evidence.objects.count() == 200 * data.EVIDENCE_PER_CLAIM
    rated = Claim.objects.filter(status__in=[Status.PUBLISHED, Status.RETRACTED]).count()
    assert 150 < rated < 200
    assert VerdictChange.objects.count() == rated
    assert Speaker.objects.count() == data.Sizes(200).speakers
    assert "Building 200 claims" in output
    assert "statements" in output and "100%" in output  # the progress bar
    for measure in [
        "API claim list, 100 per page",
        "floor: .values() + orjson",
        "API list, last page (deep cursor)",
        "by cursor)",  # the public list's last page, reached by its Older links
        "search: rare word",
        "public claim list",
        "claim page",
        "search page",
        "trivial view",
        "admin claim list",
    ]:
        assert measure in output, measure
    first = next(line for line in output.splitlines() if line.startswith("1  API claim list"))
    assert "<= 2.0" in first and ("holds" in first or "MISSES" in first)
    assert "show_full_result_count is False" in output


def test_the_search_index_covers_the_loaded_claims():
    bench("--claims", "50")
    from claims.search import search_claims

    word = max((w for w in data.claim_text(1).split() if w.isalpha()), key=len)
    assert search_claims(Claim.objects.all(), word).filter(pk=1).exists()


def test_the_admin_user_does_not_stay():
    bench("--claims", "30")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


def test_reuses_its_own_data_set_of_the_same_size_and_refuses_another_size_without_fresh():
    bench("--claims", "30")
    first_ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))

    assert "Reusing the benchmark data set" in bench("--claims", "30")
    assert list(Claim.objects.order_by("pk").values_list("pk", flat=True)) == first_ids

    with pytest.raises(CommandError, match="holds a benchmark data set of 30 claims, not 40.*--fresh"):
        bench("--claims", "40")
    assert Claim.objects.count() == 30

    assert "Reusing" in bench("--claims", "40", "--reuse")
    assert Claim.objects.count() == 30

    bench("--claims", "40", "--fresh")
    assert Claim.objects.count() == 40


@pytest.mark.parametrize("flag", [[], ["--fresh"], ["--reuse"]])
def test_refuses_a_database_with_real_claims(flag):
    claim = PublishedClaimFactory()

    with pytest.raises(CommandError, match="not a benchmark data set.*Nothing was changed"):
        bench("--claims", "20", *flag)

    assert list(Claim.objects.all()) == [claim]


def test_refuses_a_database_with_user_accounts():
    UserFactory()

    with pytest.raises(CommandError, match="user accounts"):
        bench("--claims", "20", "--fresh")

    assert not Claim.objects.exists()


def test_refuses_bad_sizes():
    with pytest.raises(CommandError, match="--claims must be from 1"):
        bench("--claims", "0")
    assert not Claim.objects.exists()


def test_the_search_phase_alone_needs_a_file_for_its_figures():
    with pytest.raises(CommandError, match="--phase search writes its figures to a file: give --json FILE"):
        bench("--claims", "20", "--phase", "search")
    assert not Claim.objects.exists()  # refused before building anything


def test_the_baselines_are_not_in_the_site_urls():
    for path in ["/bench/trivial/", "/bench/floor/"]:
        with pytest.raises(Resolver404):
            resolve(path, urlconf="factcheck.urls")
        assert resolve(path, urlconf="bench.urls")


def test_the_site_settings_do_not_install_the_bench():
    from bench import settings as bench_settings
    from factcheck import settings as site_settings

    assert "bench" not in site_settings.INSTALLED_APPS
    assert [*site_settings.INSTALLED_APPS, "bench"] == bench_settings.INSTALLED_APPS


def test_the_watch_tick_figure_compares_the_same_work_at_two_table_sizes():
    """The archive's tick figure (bench/archive.py): the same sources due among few and among many watched
    sources, the same queries for both, and the benchmark's rows gone afterwards."""
    from archive.models import Watch
    from bench import archive
    from claims.models import Source

    bench("--claims", "50")
    before = (Source.objects.count(), Watch.objects.count(), Statement.objects.count(), Evidence.objects.count())
    small, large = archive.tick_costs(due=5, small=10, large=400, repeat=1)
    assert small.queries == large.queries and small.queries > 0
    after = (Source.objects.count(), Watch.objects.count(), Statement.objects.count(), Evidence.objects.count())
    assert after == before


def test_the_changes_feed_figure_reads_the_same_page_at_two_log_sizes():
    """The changes feed's figure (bench/changes.py): one query a page at either size, and its rows gone after."""
    from bench import changes, measure
    from claims.models import PublicChange

    bench("--claims", "50")
    before = PublicChange.objects.count()
    small, large = changes.page_costs(measure.Pages(1), small=40, large=400)
    assert small.queries == large.queries and small.queries <= 3
    assert PublicChange.objects.count() == before
