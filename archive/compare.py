"""PROVISIONAL: replaced by the fetch branch."""

from dataclasses import dataclass


@dataclass
class Snapshot:
    requested_url: str
    final_url: str
    status: int | None
    error_code: str
    error: str
    sha256: str
    text: str
    fingerprint: str


def classify(previous, current, *, failing_for=None):
    if current.error_code:
        return "failed", current.error
    if previous is None:
        return "first", ""
    return ("unchanged", "") if previous.sha256 == current.sha256 else ("drifted", "")


def text_diff(a: str, b: str):
    return []
