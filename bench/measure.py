"""Measurements: median times of pages and lookups, in process, and a load test through gunicorn and wrk."""

import inspect
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import search
from claims.models import Claim

from . import data

SELECT_LIST = re.compile(r"^SELECT (DISTINCT )?.*? FROM", re.S)


class BenchError(Exception):
    pass


def database_url(name: str) -> str:
    """DATABASE_URL for a database named `name` on the benchmark's own server (a child process, a worker)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    if connection.vendor != "postgresql":
        raise BenchError(f"another process on a {connection.vendor} database is not supported")
    auth = quote(s["USER"] or "", safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@dataclass
class Timing:
    ms: float
    queries: int | None = None
    slowest: str = ""  # the slowest SQL of one run, with its time
    runs: int = 0


@dataclass
class Row:
    item: str
    name: str
    timing: Timing | None
    baseline: str
    base: Timing | None
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.timing is None or self.base is None or self.base.ms <= 0:
            return None
        return self.timing.ms / self.base.ms

    @property
    def verdict(self) -> str:
        if self.ratio is None or self.target is None:
            return ""
        return "holds" if self.ratio <= self.target else "MISSES"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    load: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


BUDGET_SECONDS = 30  # per figure: at least 3 runs, then no new run once the figure has taken this long


def medians_ms(fns: list, repeat: int, warmup: int = 1, budget: float = BUDGET_SECONDS) -> tuple[list[float], int]:
    """The median time of each function and the number of runs; the functions run in turn (a, b, a, b...),
    so that a busy machine slows a figure and its baseline alike."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    runs: list[list[float]] = [[] for _ in fns]
    start = time.monotonic()
    for i in range(repeat):
        for fn, times in zip(fns, runs, strict=True):
            begin = time.perf_counter()
            fn()
            times.append((time.perf_counter() - begin) * 1000)
        if i >= 2 and time.monotonic() - start > budget:
            break
    return [statistics.median(times) for times in runs], len(runs[0])


def _captured(fn) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        fn()
    if not captured.captured_queries:
        return 0, ""
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    sql = SELECT_LIST.sub("SELECT … FROM", slowest["sql"], count=1)
    return len(captured), f"{float(slowest['time']) * 1000:.1f} ms: {sql[:600]}"


class Pages:
    """Requests through Django's test client: the whole middleware stack, no network."""

    def __init__(self, repeat: int, client: Client | None = None):
        self.client = client or Client()
        self.repeat = repeat

    def get(self, url: str):
        response = self.client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}, not 200")
        return response

    def _cycle(self, urls: str | list[str]):
        urls = [urls] if isinstance(urls, str) else urls
        position = iter(range(10**9))
        return lambda: self.get(urls[next(position) % len(urls)]), urls[0]

    def time(self, *targets: str | list[str]) -> list[Timing]:
        """Median times of the targets, measured in turn; a list of URLs is cycled through (e.g. claim pages)."""
        cycles = [self._cycle(target) for target in targets]
        medians, runs = medians_ms([fn for fn, _ in cycles], self.repeat)
        timings = []
        for ms, (_, first) in zip(medians, cycles, strict=True):
            queries, slowest = _captured(lambda first=first: self.get(first))
            timings.append(Timing(ms, queries, slowest, runs))
        return timings


def time_call(fn, repeat: int) -> Timing:
    (ms,), runs = medians_ms([fn], repeat)
    queries, slowest = _captured(fn)
    return Timing(ms, queries, slowest, runs)


# --- search and similar claims


def _similar_call():
    """A call of claims.search.similar_claims fitted to its signature, or None when there is none."""
    similar = getattr(search, "similar_claims", None)
    if similar is None:
        return None, "claims.search.similar_claims does not exist yet: similar-claim lookups not measured."
    params = inspect.signature(similar).parameters
    probe = data.similar_probe()
    args, kwargs = [], {}
    for name, param in params.items():
        if param.default is not inspect.Parameter.empty:
            if name in {"limit", "n", "count"}:
                kwargs[name] = 5
            continue
        if name in {"claims", "queryset", "qs"}:
            value = Claim.objects.public()
        elif name in {"text", "q", "query"}:
            value = probe
        elif name == "claim":
            value = Claim(text=probe)
        else:
            return None, f"claims.search.similar_claims{inspect.signature(similar)}: unknown parameter {name!r}."
        if param.kind == inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return (lambda: list(similar(*args, **kwargs)[:5])), ""


def search_lookups(repeat: int) -> tuple[dict[str, Timing], list[str]]:
    """The search and similar-claim lookups, by name."""
    results, notes = {}, []
    for name, q in data.SEARCH_QUERIES.items():
        results[f"search: {name} ({q})"] = time_call(
            lambda q=q: list(search.search_claims(Claim.objects.public(), q)[:20]), repeat
        )
    call, note = _similar_call()
    if call:
        results["similar claims (a new claim's text)"] = time_call(call, repeat)
    if note:
        notes.append(note)
    related = getattr(search, "related_claims", None)
    # The first public claim: the same claim in every data set built from the same sequence.
    claim = Claim.objects.public().prefetch_related("topics").order_by("pk").first()
    if related and claim:
        public = Claim.objects.public().select_related("claimant")
        results["related claims (a claim's page)"] = time_call(lambda: related(claim, queryset=public, limit=5), repeat)
    return results, notes


def as_json(lookups: dict[str, Timing]) -> dict:
    return {
        name: {"ms": t.ms, "queries": t.queries, "slowest": t.slowest, "runs": t.runs} for name, t in lookups.items()
    }


def from_json(raw: dict) -> dict[str, Timing]:
    return {name: Timing(v["ms"], v["queries"], v["slowest"], v["runs"]) for name, v in raw.items()}


# --- load: gunicorn and wrk

WRK_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> dict:
    latency = {p: float(v) * UNITS[u] for p, v, u in WRK_LATENCY.findall(output)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    total = int(found.group(1)) if (found := re.search(r"(\d+) requests in", output)) else 0
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": latency.get("50") if total else None,
        "p99": latency.get("99") if total else None,
        "requests": total,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0),
    }


def _wait_until_up(url: str, process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn stopped at start (exit {process.returncode}); see its messages above.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise BenchError(f"gunicorn did not answer {url} within {seconds:.0f} s.")


def _stop(server) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def run_load(
    paths: dict[str, str], *, seconds: int, connections: int, port: int, workers: int, cache: bool = True
) -> list[dict]:
    """Each path for a fixed time at a fixed concurrency against gunicorn over loopback; cache=False serves
    every request without the cache (bench/settings.py)."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise BenchError(
            "wrk is not installed, so the load test was skipped: install it (Debian: `apt-get install -y wrk`) "
            "or pass --no-load."
        )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_CACHE": "on" if cache else "off"}
    bind = f"127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "factcheck.wsgi:application", "--bind", bind]
    command += ["--workers", str(workers), "--log-level", "warning", "--graceful-timeout", "2"]
    command += ["--chdir", str(settings.BASE_DIR)]
    threads = str(min(2, connections))
    results = []
    for name, path in paths.items():
        # A server of its own for each page: requests still queued from a slow page must not delay the next.
        server = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
        try:
            _wait_until_up(f"http://{bind}/bench/trivial/", server)
            url = f"http://{bind}{path}"
            subprocess.run([wrk, "-t2", "-c8", "-d1s", url], capture_output=True, check=False)  # noqa: S603 warm-up
            run = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", url]
            out = subprocess.run(run, capture_output=True, text=True, check=False)  # noqa: S603
            if out.returncode != 0:
                raise BenchError(f"wrk failed on {url}: {out.stderr.strip()}")
            results.append({"name": name, "path": path, **parse_wrk(out.stdout)})
        finally:
            _stop(server)
    return results
