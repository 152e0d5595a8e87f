"""A fetch as a WARC file (ISO 28500, WARC/1.1, gzipped per record), written and read with warcio.

One warcinfo record, then a request and a response record for every exchange, redirects included, each dated
when its response arrived. The body is stored decoded (as the reader and the SHA-256 see it), so the stored
headers drop Content-Encoding and Transfer-Encoding and give the decoded Content-Length; the originals are
kept as X-Archive-Orig-* headers. A body cut at the size cap or by the deadline says so (WARC-Truncated).
"""

from datetime import UTC, datetime
from importlib.metadata import version
from io import BytesIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from archive.fetch import Fetched, Hop, user_agent

# Headers that describe the body as sent, not as stored.
REWRITTEN_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


def to_warc(fetched: Fetched, *, extra_info: dict | None = None) -> bytes | None:
    """The WARC of `fetched`, or None when no response arrived (nothing to keep)."""
    if not fetched.hops:
        return None
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    info = {
        "software": f"{user_agent()} warcio/{version('warcio')}",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "http-header-user-agent": user_agent(),
        "description": f"capture of {fetched.url}",
    }
    for name, value in (extra_info or {}).items():
        info[str(name)] = str(value).lower() if isinstance(value, bool) else str(value)
    warcinfo = writer.create_warcinfo_record("", info)
    warcinfo.rec_headers.replace_header("WARC-Date", _warc_date(fetched.started_at))
    writer.write_record(warcinfo)
    for hop in fetched.hops:
        request = _request_record(writer, hop)
        response = _response_record(writer, hop)
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        writer.write_record(request)
        writer.write_record(response)
    return out.getvalue()


def read_final_body(data: bytes) -> bytes:
    """The body of the WARC's last response record. ValueError when it holds none."""
    body = None
    for record in ArchiveIterator(BytesIO(data)):
        if record.rec_type == "response":
            body = record.content_stream().read()
    if body is None:
        raise ValueError("the WARC holds no response")
    return body


def _warc_date(at: datetime) -> str:
    return datetime_to_iso_date(at.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def _request_record(writer: WARCWriter, hop: Hop):
    parts = urlsplit(hop.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    http_headers = StatusAndHeaders(f"GET {target} HTTP/1.1", list(hop.request_headers), is_http_request=True)
    return writer.create_warc_record(
        hop.url,
        "request",
        payload=BytesIO(b""),
        length=0,
        http_headers=http_headers,
        warc_headers_dict={"WARC-Date": _warc_date(hop.at)},
    )


def _response_record(writer: WARCWriter, hop: Hop):
    headers = []
    for name, value in hop.headers:
        if name.lower() in REWRITTEN_HEADERS:
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(hop.body))))
    statusline = f"{hop.status} {hop.reason}".strip()
    http_headers = StatusAndHeaders(statusline, headers, protocol=hop.http_version or "HTTP/1.1")
    warc_headers = {"WARC-Date": _warc_date(hop.at)}
    if hop.ip_address:
        warc_headers["WARC-IP-Address"] = hop.ip_address
    if hop.truncated:
        warc_headers["WARC-Truncated"] = hop.truncated
    return writer.create_warc_record(
        hop.url,
        "response",
        payload=BytesIO(hop.body),
        length=len(hop.body),
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )
