"""How fast the API docs show: the schema's answer and Swagger UI's and ReDoc's first operation in Chromium.

    .venv/bin/python bench/api_docs.py [--before DIR] [--runs 5]

Starts the site as `make run` does (runserver, debug on) on 127.0.0.1 with the demo story in a throw-away
SQLite database, from this checkout and, with --before, from another one (e.g. `git worktree add /tmp/before
main`), and measures both in turn (a, b, a, b, ...), so that a busy machine slows both alike. Figures: the
schema's first answer after the server starts (cold) and its median answer after (warm), in JSON with gzip
accepted as browsers ask, the bytes sent, and for each docs page the median time from navigation to the first
operation drawn, with every request it made to another site. docs/PERFORMANCE.md ("The API docs") has the last
figures.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PAGES = {"Swagger UI": ("/api/v1/docs/", ".opblock"), "ReDoc": ("/api/v1/redoc/", "[data-section-id^='operation/']")}
SCHEMA = "/api/v1/schema/?format=json"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[float, int]:
    """Milliseconds to read the whole answer, and its size on the wire."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "Accept": "application/json"})  # noqa: S310
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - 127.0.0.1 only
        size = len(response.read())
    return (time.perf_counter() - start) * 1000, size


class Site:
    def __init__(self, label: str, checkout: Path, workdir: Path):
        self.label, self.checkout = label, checkout
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{workdir / label}.sqlite3",
            "FACTCHECK_TASKS": "dummy",
            "PYTHONPATH": str(checkout),
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None

    def manage(self, *args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=self.checkout, env=self.env, check=True)  # noqa: S603

    def start(self):
        self.manage("migrate", "-v0")
        self.manage("seed_demo", "--no-accounts", "-v0")
        self.server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=self.checkout,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(600):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).close()  # noqa: S310
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{self.label}: the server did not start")

    def stop(self):
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=20)


# Notes, on the page's own clock, when Swagger UI's "Loading" box first shows and when the first operation is drawn.
WATCH = """
const watching = new MutationObserver(() => {
  if (window.loadingAt === undefined && document.querySelector('.loading-container')) {
    window.loadingAt = performance.now();
  }
  if (document.querySelector(SELECTOR)) {
    window.shownAt = performance.now();
    watching.disconnect();
  }
});
watching.observe(document, {childList: true, subtree: true});
"""


def first_operation(browser, site: Site, path: str, selector: str) -> tuple[float, float, list[str]]:
    """Milliseconds from navigation to the first operation drawn, how long a "Loading" box showed before it, and
    the requests to other sites."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH.replace("SELECTOR", repr(selector)))
    elsewhere = []
    page.on(
        "request",
        lambda r: r.url.startswith(("http:", "https:")) and not r.url.startswith(site.url) and elsewhere.append(r.url),
    )
    page.goto(site.url + path)
    page.wait_for_selector(selector, timeout=60_000)
    page.wait_for_function("window.shownAt !== undefined")
    shown, loading_at = page.evaluate("[window.shownAt, window.loadingAt]")
    context.close()
    return shown, (shown - loading_at) if loading_at is not None else 0.0, elsewhere


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout to measure in turn with this one")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    figures = {}
    elsewhere = set()
    with tempfile.TemporaryDirectory() as workdir, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        sites = [Site("after", HERE, Path(workdir))]
        if args.before:
            sites.insert(0, Site("before", args.before.resolve(), Path(workdir)))
        try:
            for site in sites:
                site.start()
                # A process's first visit to Swagger UI: the schema is not made yet.
                cold, cold_loading, _ = first_operation(browser, site, *PAGES["Swagger UI"])
                size = get(site.url + SCHEMA)[1]
                figures[site.label] = {"cold": [cold], "cold loading": [cold_loading], "bytes": [size]}
            for _ in range(args.runs):
                for site in sites:
                    figures[site.label].setdefault("schema", []).append(get(site.url + SCHEMA)[0])
                    for name, (path, selector) in PAGES.items():
                        shown, loading, other = first_operation(browser, site, path, selector)
                        figures[site.label].setdefault(name, []).append(shown)
                        if name == "Swagger UI":
                            figures[site.label].setdefault("loading", []).append(loading)
                        elsewhere.update(f"{site.label} {name}: {url}" for url in other)
        finally:
            browser.close()
            for site in sites:
                site.stop()
    columns = [
        ("schema", "schema"),
        ("schema bytes", "bytes"),
        ("Swagger, 1st visit", "cold"),
        ("its Loading", "cold loading"),
        ("Swagger", "Swagger UI"),
        ("its Loading", "loading"),
        ("ReDoc", "ReDoc"),
    ]
    print(f"{'':8}" + "".join(f"{title:>19}" for title, _ in columns))
    for label, values in figures.items():
        print(f"{label:8}" + "".join(f"{statistics.median(values[key]):>19.0f}" for _, key in columns))
    print(f"medians of {args.runs} runs (ms, except bytes); requests to other sites:", sorted(elsewhere) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
