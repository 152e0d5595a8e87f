"""The demo's captures, without the internet: small pages standing in for its sources (demo/data/stand-ins/),
recorded through the archive as captures labelled "demo stand-in", in order, so that a later one shows as drifted."""

import datetime
import json
from pathlib import Path

from archive import services
from archive.models import Capture
from claims.models import Source

FOLDER = Path(__file__).resolve().parent / "data"
MANIFEST = FOLDER / "stand-ins.json"


class StandInError(Exception):
    pass


def _entries(path: Path) -> list[dict]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["captures"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise StandInError(f"{path.name}: not a list of stand-in captures ({error})") from None
    for n, entry in enumerate(entries, start=1):
        try:
            entry["at"] = datetime.datetime.fromisoformat(entry["captured_at"])
            entry["body"] = (path.parent / "stand-ins" / entry["page"]).read_bytes()
            entry["url"] = str(entry["url"])
        except (KeyError, TypeError, ValueError, OSError) as error:
            raise StandInError(f"{path.name}, capture {n}: {error}") from None
        if entry["at"].tzinfo is None:
            raise StandInError(f"{path.name}, capture {n}: captured_at needs a time zone")
    return entries


def load_stand_ins(path: Path = MANIFEST) -> int:
    """Record each stand-in capture not recorded yet; return how many were recorded. Safe to run again."""
    made = 0
    for entry in _entries(path):
        source = Source.objects.filter(url=entry["url"]).first()
        if source is None:
            raise StandInError(f"{path.name}: no demo source has the URL {entry['url']}")
        if Capture.objects.filter(source=source, is_demo_stand_in=True, captured_at=entry["at"]).exists():
            continue
        capture = services.capture_request(source=source, reason=Capture.Reason.DEMO, at=entry["at"], run=False)
        fetched = services.stand_in_fetch(url=source.url, body=entry["body"], at=entry["at"])
        services.capture_record(capture=capture, fetched=fetched, stand_in=True, at=entry["at"])
        made += 1
    return made
