#!/usr/bin/env python
"""Soak test: the site under gunicorn on PostgreSQL, a mix of reads and writes over loopback.

    .venv/bin/python bench/soak.py --seconds 180 --clients 8

Makes a fresh database (`soak` on the server of SOAK_DATABASE_URL), migrates it, loads the demo
story, adds a reviewer with an API key (every scope), starts gunicorn in production mode on 127.0.0.1:8710,
and lets N client threads read pages, feeds and the API and write through the API (sources,
statements, claims, evidence, summary changes with If-Match, verdicts) for the given time. Then:

- no response was a 5xx or any other error, and no request failed to connect;
- the workers' memory (RSS) at the end is within --max-rss-growth of what it was after warm-up,
  and no worker was replaced;
- every write the server accepted (2xx) is in the database afterwards, with its history row.

Prints the figures; exits 1 when a check fails. Every option has a SOAK_* environment variable.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def env(name, default):
    return type(default)(os.environ.get(f"SOAK_{name.upper()}", default))


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=env("seconds", 60.0), help="how long the load runs")
    parser.add_argument("--warmup", type=float, default=env("warmup", 0.0), help="seconds before the first RSS")
    parser.add_argument("--clients", type=int, default=env("clients", 8), help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=env("workers", 2), help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=env("port", 8710), help="port on 127.0.0.1 (8710-8719)")
    parser.add_argument("--writes", type=float, default=env("writes", 0.3), help="share of requests that write")
    parser.add_argument(
        "--max-rss-growth",
        type=float,
        default=env("max_rss_growth", 0.20),
        help="largest growth of a worker's RSS allowed after warm-up (0.20: 20%%)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/soak"),
        help="PostgreSQL database to (re)create for the run",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("SOAK_REDIS_URL", ""),
        help="the server's REDIS_URL (cache shared by the workers); default: per-process memory cache",
    )
    args = parser.parse_args()
    if not args.warmup:
        args.warmup = min(30.0, args.seconds / 6)
    return args


# Setting up: database, Django, the server


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        sys.exit(f"soak: the database name in {url!r} must be letters, digits and _")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_environment(args) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": args.database_url,
        # Plain HTTP over loopback: no redirect to HTTPS, cookies and HSTS as in production otherwise.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_MANIFEST_STATIC": "0",
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_USER": "1000000/minute",
        "API_THROTTLE_KEY": "1000000/minute",
        "FACTCHECK_SITE_URL": f"http://127.0.0.1:{args.port}",
        "REDIS_URL": args.redis_url,
    }


def prepare(args) -> tuple[str, list[str]]:
    """Migrate, load the demo story, make the writing account; its API key and the published claim slugs."""
    os.environ.update(server_environment(args))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from apikeys.scopes import ALL_SCOPES
    from apikeys.services import key_create
    from claims.accounts import REVIEWERS_GROUP
    from claims.models import Claim

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-accounts", verbosity=0)
    user = get_user_model().objects.create_user("soak-reviewer", is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    key = key_create(owner=user, name="soak", scopes=ALL_SCOPES)[1]
    slugs = list(Claim.objects.published().values_list("slug", flat=True))
    from django.db import connections

    connections.close_all()
    return key, slugs


def start_server(args) -> subprocess.Popen:
    if not 8710 <= args.port <= 8719:
        sys.exit("soak: use a port from 8710 to 8719")
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "factcheck.wsgi:application",
        f"--bind=127.0.0.1:{args.port}",
        f"--workers={args.workers}",
        "--timeout=60",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=server_environment(args), start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"soak: gunicorn exited at start (code {server.returncode})")
        try:
            if request(args.port, "GET", "/healthz")[0] == 200 and len(workers(server.pid)) == args.workers:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(server)
    sys.exit("soak: gunicorn did not answer /healthz within 60 seconds")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def workers(master: int) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master):
            children.append(int(status.parent.name))
    return sorted(children)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# The load


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Accept": "*/*", **(headers or {})}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        conn.close()


READS = [
    "/",
    "/claims/",
    "/claims/?q=sora",
    "/methodology/",
    "/corrections/",
    "/feeds/claims.rss",
    "/sitemap.xml",
    "/healthz",
    "/api/v1/claims/",
    "/api/v1/sources/",
    "/api/v1/speakers/",
    "/api/v1/statements/",
    "/api/v1/verdicts/",
    "/api/v1/claims/?search=leak",
]
VERDICTS = ["true", "mostly_true", "mixed", "mostly_false", "false", "unproven"]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.reads = 0
        self.writes = Counter()  # accepted writes by kind
        self.failures = []  # (method, path, status or exception, body excerpt)
        self.latency = {"read": [], "write": []}  # seconds
        self.accepted = {"source": [], "statement": [], "claim": [], "evidence": [], "summary": [], "verdict": []}


class Client(threading.Thread):
    def __init__(self, n, args, key, slugs, stats, stop):
        super().__init__(daemon=True)
        self.n, self.args, self.slugs, self.stats, self.stop = n, args, slugs, stats, stop
        self.auth = {"Authorization": f"Api-Key {key}"}
        self.rnd = random.Random(n)
        self.count = 0
        # claims: [id, slug, verdict or None, ids of its evidence statements]
        self.sources, self.statements, self.claims = [], [], []

    def call(self, method, path, body=None, headers=None, write=None):
        sent = time.monotonic()
        try:
            status, response_headers, data = request(self.args.port, method, path, body, headers)
        except OSError as exc:
            with self.stats.lock:
                self.stats.statuses["error"] += 1
                self.stats.failures.append((method, path, repr(exc), ""))
            return None, {}, None
        with self.stats.lock:
            self.stats.latency["write" if write else "read"].append(time.monotonic() - sent)
            self.stats.statuses[status] += 1
            if status >= 400:
                self.stats.failures.append((method, path, status, data[:300].decode(errors="replace")))
            elif write:
                self.stats.writes[write] += 1
            else:
                self.stats.reads += 1
        parsed = None
        if status < 400 and data and response_headers.get("Content-Type", "").startswith("application/json"):
            parsed = json.loads(data)
        return status, response_headers, parsed

    def tag(self):
        self.count += 1
        return f"{self.args.run}-{self.n}-{self.count}"

    def read(self):
        choice = self.rnd.random()
        if choice < 0.3 and self.slugs:
            slug = self.rnd.choice(self.slugs)
            self.call("GET", self.rnd.choice([f"/claims/{slug}/", f"/api/v1/claims/{slug}/"]))
        elif choice < 0.4 and self.claims:
            self.call("GET", f"/api/v1/claims/{self.rnd.choice(self.claims)[1]}/", headers=self.auth)
        else:
            self.call("GET", self.rnd.choice(READS))

    def write(self):
        tag = self.tag()
        choice = self.rnd.random()
        if not self.sources or choice < 0.2:
            url = f"https://soak.example.org/{tag}?utm_source=soak"
            _, _, data = self.call(
                "POST",
                "/api/v1/sources/",
                {"url": url, "title": f"Soak source {tag}", "kind": "news_article"},
                self.auth,
                "source",
            )
            if data:
                self.sources.append(data["id"])
                self.stats.accepted["source"].append((data["id"], f"https://soak.example.org/{tag}"))
        elif not self.statements or choice < 0.4:
            text = f"Soak statement {tag}."
            body = {"source": self.rnd.choice(self.sources), "text": text, "is_quote": True}
            _, _, data = self.call("POST", "/api/v1/statements/", body, self.auth, "statement")
            if data:
                self.statements.append(data["id"])
                self.stats.accepted["statement"].append((data["id"], text))
        elif not self.claims or choice < 0.55:
            text = f"Soak claim {tag} holds."
            _, _, data = self.call("POST", "/api/v1/claims/", {"text": text}, self.auth, "claim")
            if data:
                self.claims.append([data["id"], data["slug"], None, set()])
                self.stats.accepted["claim"].append((data["id"], text))
        elif choice < 0.7:
            claim = self.rnd.choice(self.claims)
            statement = self.rnd.choice(self.statements)
            if statement in claim[3]:
                return self.read()
            body = {"claim": claim[0], "statement": statement, "stance": self.rnd.choice(["supports", "refutes"])}
            _, _, data = self.call("POST", "/api/v1/evidence/", body, self.auth, "evidence")
            if data:
                claim[3].add(statement)
                self.stats.accepted["evidence"].append((data["id"], claim[0], statement))
        elif choice < 0.85:
            claim = self.rnd.choice(self.claims)
            url = f"/api/v1/claims/{claim[1]}/"
            _, headers, _ = self.call("GET", url, headers=self.auth)
            summary = f"Soak summary {tag}."
            if_match = {"If-Match": headers.get("ETag", "")}
            _, _, data = self.call("PATCH", url, {"summary": summary}, {**self.auth, **if_match}, "summary")
            if data:
                self.stats.accepted["summary"].append((claim[0], summary))
        else:
            claim = self.rnd.choice(self.claims)
            verdict = self.rnd.choice([v for v in VERDICTS if v != claim[2]])
            reason = f"Soak verdict {tag}."
            body = {"verdict": verdict, "kind": "update" if claim[2] else "initial", "reason": reason}
            _, _, data = self.call("POST", f"/api/v1/claims/{claim[1]}/verdict/", body, self.auth, "verdict")
            if data:
                claim[2] = verdict
                self.stats.accepted["verdict"].append((claim[0], verdict, reason))

    def run(self):
        while not self.stop.is_set():
            if self.rnd.random() < self.args.writes:
                self.write()
            else:
                self.read()


# Checking


def find_writes(accepted) -> dict:
    """How many of each kind of accepted write the database holds, with a history row."""
    from django.db import connections

    from claims.models import Claim, Evidence, Source, Statement, VerdictChange

    def count(pairs, model, field):
        found = dict(model.objects.filter(pk__in=[p for p, _ in pairs]).values_list("pk", field))
        in_history = set(
            model.history.filter(id__in=[p for p, _ in pairs], history_type="+").values_list("id", flat=True)
        )
        return sum(1 for pk, value in pairs if found.get(pk) == value and pk in in_history)

    found = {
        "source": count(accepted["source"], Source, "url"),
        "statement": count(accepted["statement"], Statement, "text"),
        "claim": count(accepted["claim"], Claim, "text"),
    }
    evidence = Evidence.objects.filter(pk__in=[pk for pk, _, _ in accepted["evidence"]])
    pairs = set(evidence.values_list("pk", "claim_id", "statement_id"))
    found["evidence"] = sum(1 for row in accepted["evidence"] if row in pairs)
    summaries = {
        (claim_id, summary)
        for claim_id, summary in Claim.history.filter(id__in={c for c, _ in accepted["summary"]}).values_list(
            "id", "summary"
        )
    }
    found["summary"] = sum(1 for row in accepted["summary"] if row in summaries)
    changes = set(
        VerdictChange.objects.filter(reason__startswith="Soak verdict ").values_list("claim_id", "verdict", "reason")
    )
    found["verdict"] = sum(1 for row in accepted["verdict"] if row in changes)
    connections.close_all()
    return found


def main() -> int:
    args = options()
    args.run = secrets.token_hex(3)
    cache = f"Redis {args.redis_url}" if args.redis_url else "per-process memory cache"
    print(f"soak: database {args.database_url}, gunicorn on 127.0.0.1:{args.port} with {args.workers} workers, {cache}")
    recreate_database(args.database_url)
    key, slugs = prepare(args)
    server = start_server(args)
    stats, stop = Stats(), threading.Event()
    try:
        pids = workers(server.pid)
        clients = [Client(n, args, key, slugs, stats, stop) for n in range(args.clients)]
        started = time.monotonic()
        for client in clients:
            client.start()
        print(f"soak: {args.clients} clients for {args.seconds:.0f} s (RSS measured after {args.warmup:.0f} s)")
        time.sleep(args.warmup)
        rss_start = {pid: rss_kib(pid) for pid in pids}
        # Samples through the run, to tell a plateau from a steady climb.
        samples, step = [rss_start], (args.seconds - args.warmup) / 6
        while time.monotonic() - started < args.seconds - 0.5:
            time.sleep(max(0.0, min(step, args.seconds - (time.monotonic() - started))))
            samples.append({pid: rss_kib(pid) for pid in pids if Path(f"/proc/{pid}").exists()})
        rss_end = samples[-1]
        stop.set()
        for client in clients:
            client.join(timeout=90)
        elapsed = time.monotonic() - started
        pids_end = workers(server.pid)
    finally:
        stop.set()
        stop_server(server)

    found = find_writes(stats.accepted)
    served = sum(n for s, n in stats.statuses.items() if s != "error")
    accepted = {kind: len(rows) for kind, rows in stats.accepted.items()}
    growth = {pid: (rss_end.get(pid, 0) - rss_start[pid]) / rss_start[pid] for pid in rss_start}
    by_status = ", ".join(f"{s}: {n}" for s, n in sorted(stats.statuses.items(), key=lambda i: str(i[0])))

    print(f"soak: {elapsed:.0f} s, {served} requests served ({served / elapsed:.1f}/s): {by_status}")
    print(f"soak: {stats.reads} reads, {sum(stats.writes.values())} writes accepted: {dict(stats.writes)}")
    print(f"soak: accepted writes found in the database (with their history row): {found} of {accepted}")
    for pid in rss_start:
        series = " ".join(f"{sample.get(pid, 0) / 1024:.1f}" for sample in samples)
        print(
            f"soak: worker {pid} RSS {rss_start[pid] / 1024:.1f} MiB after warm-up, "
            f"{rss_end.get(pid, 0) / 1024:.1f} MiB at the end ({growth[pid]:+.1%}); samples (MiB): {series}"
        )
    for kind, times in sorted(stats.latency.items()):
        times.sort()
        print(
            f"soak: {kind} latency median {times[len(times) // 2] * 1000:.0f} ms, "
            f"95th percentile {times[int(len(times) * 0.95)] * 1000:.0f} ms"
        )

    problems = []
    if stats.failures:
        problems.append(f"{len(stats.failures)} failed requests, e.g. {stats.failures[:5]}")
    if any(isinstance(s, int) and s >= 500 for s in stats.statuses):
        problems.append("server errors (5xx)")
    if pids_end != pids:
        problems.append(f"workers were replaced: {pids} at the start, {pids_end} at the end")
    if any(g > args.max_rss_growth for g in growth.values()):
        problems.append(f"a worker's memory grew by more than {args.max_rss_growth:.0%}")
    if found != accepted:
        problems.append(f"accepted writes missing from the database: {found} found of {accepted}")
    if not all(accepted.values()):
        problems.append(f"some kind of write never happened: {accepted}")
    for problem in problems:
        print(f"soak: FAILED: {problem}")
    if not problems:
        print("soak: passed: no 5xx, no failed request, worker memory stable, every accepted write found")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
