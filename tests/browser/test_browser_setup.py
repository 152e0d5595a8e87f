"""Without Chromium the browser tests are skipped with a reason, or fail under REQUIRE_BROWSER=1 (as in CI)."""

import pytest

from tests.browser import conftest


def test_missing_browser_is_a_skip_that_says_why(monkeypatch):
    monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium at /nowhere.*set REQUIRE_BROWSER=1"):
        conftest._unavailable("no Chromium at /nowhere")


@pytest.mark.parametrize("value", ["1", "true", "yes", "on"])
def test_missing_browser_is_a_failure_when_required(monkeypatch, value):
    monkeypatch.setenv("REQUIRE_BROWSER", value)
    with pytest.raises(pytest.fail.Exception, match="no Chromium at /nowhere; REQUIRE_BROWSER=1"):
        conftest._unavailable("no Chromium at /nowhere")
