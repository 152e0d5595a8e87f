"""A reader pages through the claim list by its "Older claims" and "Newer claims" links in real Chromium."""

import re

import pytest

from tests.browser.helpers import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_pages_older_and_newer_through_the_claim_list(live_server, page, screenshot):
    from playwright.sync_api import expect

    from tests.factories import PublishedClaimFactory, TopicFactory

    topic = TopicFactory(name="Leaks")
    PublishedClaimFactory.create_batch(45, topics=[topic])
    page.goto(f"{live_server.url}/claims/?topic={topic.slug}")
    cards = page.locator(".claim-card-title")
    expect(cards).to_have_count(20)
    first_titles = cards.all_text_contents()
    expect(page.get_by_role("link", name="Newer claims")).to_have_count(0)

    page.get_by_role("link", name="Older claims").click()
    page.wait_for_url(re.compile(r"/claims/\?topic=leaks&after="))
    expect(cards).to_have_count(20)
    second_titles = cards.all_text_contents()
    assert not set(first_titles) & set(second_titles)
    expect(page.get_by_role("link", name="First page")).to_be_visible()
    check(page)
    screenshot("claim-list-older")

    page.get_by_role("link", name="Older claims").click()
    page.wait_for_url(re.compile(r"after="))
    expect(cards).to_have_count(5)
    expect(page.get_by_role("link", name="Older claims")).to_have_count(0)

    page.get_by_role("link", name="Newer claims").click()
    page.wait_for_url(re.compile(r"before="))
    assert cards.all_text_contents() == second_titles
    page.get_by_role("link", name="Newer claims").click()
    expect(cards).to_have_count(20)
    assert cards.all_text_contents() == first_titles
    expect(page.get_by_role("link", name="Newer claims")).to_have_count(0)
