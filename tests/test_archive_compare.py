"""archive/compare.py: the change class of a capture against the last good one, and the text diff."""

import hashlib
from datetime import timedelta

import pytest

from archive import compare as compare_module
from archive.compare import Snapshot, classify, text_diff
from archive.extract import fingerprint

URL = "https://news.example.com/2024/11/26/sora-leak"

ARTICLE = """Artists leak access to Sora
Published 26 November 2024
A group of artists said on Tuesday that they had leaked access to OpenAI's video generator Sora, in protest at what they called unpaid labour and art washing by a company valued at 150 billion dollars.
The artists, who had been given early access to test the model, posted a project on Hugging Face that let anyone generate videos for about three hours before OpenAI shut it down.
OpenAI said it had paused access while it looked into the matter. A spokesperson said hundreds of artists had shaped the tool and that participation was voluntary.
The group published an open letter listing its members and asking other artists to use open source tools instead.
Critics said the episode showed how little the companies pay the artists whose work makes their products look good."""  # noqa: E501

REWRITTEN_PARAGRAPH = """The artists, who had been given early access to test the model, posted a project on Hugging Face that let anyone generate videos for about three hours before OpenAI shut it down."""  # noqa: E501
NEW_PARAGRAPH = """In a statement on Wednesday, OpenAI disputed that account, saying the testers were volunteers who had signed agreements and that no customer data had been exposed by the short-lived tool."""  # noqa: E501

OTHER_ARTICLE = """OpenAI releases Sora to the public
The company said on Monday that its video model would be available to paying subscribers in most countries, with limits on the depiction of real people and a watermark on every video.
Reviewers found the results uneven: convincing landscapes, but hands, text and physics that often went wrong.
The release came a week after a group of testers had leaked access in protest."""  # noqa: E501


def snap(text: str = ARTICLE, *, url: str = URL, final_url: str | None = None, status: int | None = 200,
         error_code: str = "", error: str = "", body: bytes | None = None) -> Snapshot:  # fmt: skip
    body = body if body is not None else f"<html><body>{text}</body></html>".encode()
    return Snapshot(
        requested_url=url,
        final_url=url if final_url is None else final_url,
        status=status,
        error_code=error_code,
        error=error,
        sha256=hashlib.sha256(body).hexdigest() if status else "",
        text=text,
        fingerprint=fingerprint(text),
    )


def test_first():
    assert classify(None, snap()) == ("first", "first capture")
    assert classify(None, snap(final_url="https://example.com/elsewhere")) == (
        "first",
        "first capture; the address leads to https://example.com/elsewhere",
    )


def test_unchanged():
    assert classify(snap(), snap()) == ("unchanged", "the same bytes as the capture before")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda t: t, "the bytes differ, the text is the same"),
        (lambda t: t.replace("26 November 2024", "27 November 2024"), "1 of 143 words (1%) differ"),
        (lambda t: t.replace("little the companies", "litle the companies"), "1 of 143 words (1%) differ"),
        (lambda t: t.replace("150 billion dollars", "157 billion US dollars"), "2 of 144 words (1%) differ"),
        (lambda t: "\n".join(reversed(t.splitlines())), "the text is the same"),
    ],
    ids=["same text", "a date", "a typo", "a figure", "reordered"],
)
def test_changed_bytes_with_a_like_text(edit, reason):
    previous = snap()
    current = snap(edit(ARTICLE), body=b"<!-- new ad slot -->" + edit(ARTICLE).encode())

    change, why = classify(previous, current)

    assert change == "changed" and why.endswith(reason)


def test_a_reordered_menu_is_a_change_not_a_drift():
    menu = "Home\nWorld\nTechnology\nCulture\nOpinion\n"
    previous = snap(menu + ARTICLE)
    current = snap("Culture\nOpinion\nHome\nTechnology\nWorld\n" + ARTICLE)

    assert classify(previous, current)[0] == "changed"


@pytest.mark.parametrize(
    ("edit", "count"),
    [
        (lambda t: t.replace(REWRITTEN_PARAGRAPH, NEW_PARAGRAPH), "23 of 143 words (16%)"),
        (lambda t: t + "\n" + NEW_PARAGRAPH, "31 of 174 words (18%)"),
        (lambda t: OTHER_ARTICLE, "112 of 143 words (78%)"),
        (lambda t: "", "143 of 143 words (100%)"),
    ],
    ids=["a rewritten paragraph", "an added paragraph", "another article", "no text left"],
)
def test_drifted(edit, count):
    assert classify(snap(), snap(edit(ARTICLE))) == ("drifted", f"the text differs: {count}")


def test_a_rewritten_sentence_on_a_short_page_drifts():
    previous = snap("Demo stand-in. The artists said they leaked access to Sora.")
    current = snap("Demo stand-in. OpenAI said the testers were volunteers.")

    assert classify(previous, current)[0] == "drifted"
    assert classify(previous, snap("Demo stand-in! The artists said they leaked access to Sora."))[0] == "changed"


def test_with_fingerprints_alone_the_distance_decides():
    previous, alike, other = snap(), snap(ARTICLE.replace("Tuesday", "Monday")), snap(OTHER_ARTICLE)
    for s in (previous, alike, other):
        s.text = ""

    assert classify(previous, alike)[0] == "changed"
    assert classify(previous, other)[0] == "drifted"


def test_binary_bodies_that_differ_are_changed():
    previous, current = snap("", body=b"\x89PNG one"), snap("", body=b"\x89PNG two")

    assert classify(previous, current) == ("changed", "the bytes differ; there is no text to compare")


def test_moved():
    current = snap(final_url="https://news.example.com/archive/removed")

    assert classify(snap(), current) == ("moved", "the address now leads to https://news.example.com/archive/removed")


@pytest.mark.parametrize(
    "final_url",
    [
        URL.replace("https://", "http://"),
        URL + "/",
        URL.replace("news.example.com", "NEWS.example.com:443"),
        URL + "?utm_source=feed#comments",
    ],
)
def test_the_same_page_by_another_spelling_is_no_move(final_url):
    assert classify(snap(), snap(final_url=final_url))[0] == "unchanged"


def test_www_is_no_move():
    previous = snap(url="https://example.com/a", final_url="https://example.com/a")

    assert (
        classify(previous, snap(url="https://example.com/a", final_url="https://www.example.com/a"))[0] == "unchanged"
    )


def test_a_move_is_reported_once_then_the_new_page_is_compared():
    moved = snap(final_url="https://news.example.com/new-home")

    assert classify(moved, snap(final_url="https://news.example.com/new-home"))[0] == "unchanged"
    assert classify(moved, snap(OTHER_ARTICLE, final_url="https://news.example.com/new-home"))[0] == "drifted"
    assert classify(moved, snap(final_url="https://news.example.com/third-place"))[0] == "moved"


@pytest.mark.parametrize(("status", "reason"), [(404, "404 Not Found"), (410, "410 Gone")])
def test_gone_at_once(status, reason):
    assert classify(snap(), snap(status=status)) == ("gone", f"the page answers {reason}")
    assert classify(None, snap(status=status))[0] == "gone"


@pytest.mark.parametrize(
    ("current", "reason"),
    [
        (snap(status=None, error_code="timeout", error="no answer within 30 s"), "no answer within 30 s"),
        (snap(status=None, error_code="dns", error="x.example has no address (DNS)"), "x.example has no address (DNS)"),
        (snap(status=200, error_code="too_large", error="larger than 20 MB"), "larger than 20 MB"),
        (snap(status=None, error_code="refused_address", error="10.0.0.1 is a private address"),
         "10.0.0.1 is a private address"),
        (snap(status=503), "the page answers 503 Service Unavailable"),
        (snap(status=403), "the page answers 403 Forbidden"),
        (snap(status=599), "the page answers HTTP 599"),
    ],
)  # fmt: skip
def test_failed_with_its_reason(current, reason):
    assert classify(snap(), current) == ("failed", reason)
    assert classify(snap(), current, failing_for=timedelta(days=13, hours=23)) == ("failed", reason)


def test_failing_for_long_enough_is_gone(settings):
    failing = snap(status=None, error_code="timeout", error="no answer within 30 s")

    assert classify(snap(), failing, failing_for=timedelta(days=14)) == (
        "gone",
        "failing for 14 days: no answer within 30 s",
    )
    settings.GONE_AFTER = timedelta(hours=6)
    assert classify(snap(), snap(status=500), failing_for=timedelta(hours=7)) == (
        "gone",
        "failing for 7 hours: the page answers 500 Internal Server Error",
    )
    assert classify(snap(), failing, failing_for=timedelta(hours=5))[0] == "failed"


# The diff


def test_text_diff_marks_sentences_removed_and_added():
    old = "First sentence stays. Second one goes.\nThird stays too."
    new = "First sentence stays. Second one is new.\nThird stays too.\nA fourth arrives."

    assert text_diff(old, new) == [
        ("same", "First sentence stays."),
        ("removed", "Second one goes."),
        ("added", "Second one is new."),
        ("same", "Third stays too."),
        ("added", "A fourth arrives."),
    ]


def test_text_diff_of_equal_and_empty_texts():
    assert text_diff(ARTICLE, ARTICLE) == [("same", unit) for unit in compare_module._units(ARTICLE)]
    assert text_diff("", "") == []
    assert text_diff("", "New text.") == [("added", "New text.")]
    assert text_diff("Old text.", "") == [("removed", "Old text.")]


def test_text_diff_is_bounded_for_long_texts(monkeypatch):
    monkeypatch.setattr(compare_module, "MAX_DIFF_UNITS", 10)
    old = "\n".join(f"Line {i}." for i in range(100))
    new = old.replace("Line 3.", "Line three.").replace("Line 90.", "Line ninety.")

    diff = text_diff(old, new)

    assert diff[:3] == [("same", "Line 0."), ("same", "Line 1."), ("same", "Line 2.")]
    assert diff[-9:] == [("same", f"Line {i}.") for i in range(91, 100)]
    middle = diff[3:-9]
    assert [unit for op, unit in middle if op == "removed"] == [f"Line {i}." for i in range(3, 91)]
    assert [unit for op, unit in middle if op == "added"][0] == "Line three."
    assert {op for op, _ in middle} == {"removed", "added"}
