"""End-to-end browser tests: the citizen pages in a real Chromium.

The tests drive their own server, not the suite's test database: a session fixture makes a
temporary directory with a fresh SQLite file, loads the demo city into it with the installed
`suara demo` command, starts `suara serve` on a free port and yields its base URL. So these
tests are independent of `TEST_DATABASE_URL` and run in both suite runs (SQLite and
PostgreSQL) alike. Only the public CLI and HTTP contract are used, never the Python modules.

Missing tools fail, they never skip: Chromium (`/usr/bin/chromium`, Debian's `chromium`),
the `playwright` Python package (the `test` extras) and axe-core
(`npm ci --prefix tests/e2e`). On a failure each open page is saved as a full-page
screenshot in `SUARA_E2E_ARTEFACTS` (default: a `suara-e2e-artefacts` folder in the temp
directory).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

E2E_DIR = Path(__file__).resolve().parent
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("SUARA_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = Path(
    os.environ.get("SUARA_E2E_ARTEFACTS") or Path(tempfile.gettempdir()) / "suara-e2e-artefacts"
)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
PHONE = {"width": 360, "height": 780}
TABLET = {"width": 1280, "height": 800}
# Seconds before the kiosk thank-you page returns to the form: long enough that a page is
# never replaced while a test measures it.
KIOSK_RETURN = 60


def _suara_command() -> list[str]:
    """The installed `suara` script of this interpreter's environment."""
    here = Path(sys.executable).parent
    for name in ("suara", "suara.exe"):
        if (here / name).exists():
            return [str(here / name)]
    found = shutil.which("suara")
    if found:
        return [found]
    pytest.fail("the `suara` command is not installed next to this Python (pip install -e .)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (our own server)
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def get_json(url: str) -> Any:
    status, body = _get(url)
    assert status == 200, f"GET {url}: {status} {body[:300]!r}"
    return json.loads(body)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# A line of the demo staff accounts that `suara demo` prints once: role, e-mail, password.
_DEMO_ACCOUNT = re.compile(r"^\s+(\w+)\s+(\S+@demo\.suara\.id)\s+(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Server:
    base: str
    workdir: Path
    directory: dict[str, Any]
    # role -> (e-mail, password) of the demo staff accounts printed by `suara demo`
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)

    def counters(self, *, kiosk: bool) -> list[tuple[str, str]]:
        """(unit code, counter code) of every counter that is (not) a kiosk."""
        return [
            (unit["code"], c["code"])
            for agency in self.directory["agencies"]
            for unit in agency["units"]
            for c in unit["counters"]
            if c["kiosk"] is kiosk
        ]

    def ikm_n(self, unit: str) -> int:
        return get_json(f"{self.base}/api/v1/units/{unit}/ikm")["n"]


@pytest.fixture(scope="package")
def server() -> Iterator[Server]:
    """A fresh SQLite database with the demo city, served by `suara serve` on a free port."""
    workdir = Path(tempfile.mkdtemp(prefix="suara-e2e-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir}/e2e.db",
        "SUARA_PUBLIC_URL": base,
        "SUARA_SECRET": "e2e-secret",
        "SUARA_KIOSK_RETURN": str(KIOSK_RETURN),
    }
    suara = _suara_command()
    demo = subprocess.run(
        [*suara, "demo", "--responses", "3000", "--seed", "1"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, f"suara demo failed:\n{demo.stdout}\n{demo.stderr}"
    log_path = workdir / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [*suara, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"suara serve exited with {proc.returncode}:\n{_tail(log_path)}")
            try:
                if _get(f"{base}/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"suara serve did not answer /health in 60 s:\n{_tail(log_path)}")
            time.sleep(0.1)
        accounts = {role: (email, password)
                    for role, email, password in _DEMO_ACCOUNT.findall(demo.stderr)}
        yield Server(base=base, workdir=workdir, directory=get_json(f"{base}/api/v1/units"),
                     accounts=accounts)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser build)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the `playwright` Python package is missing: pip install -e '.[test]'")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium fonts-noto-core")
    # Package scope, not session: while Playwright's sync API is open, its event loop counts
    # as running, and the suite's asyncio tests cannot run; so it closes when the last test
    # of tests/e2e has run.
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core not found at {AXE_JS}: run `npm ci --prefix tests/e2e`")
    return AXE_JS


@dataclass
class Pages:
    """Opens pages in fresh browser contexts (a new device each: own cookies) and records
    every request they make."""

    browser: Any
    base: str
    opened: list[Any] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    # Content-Security-Policy violations Chromium reported in the console (must stay empty)
    csp_violations: list[str] = field(default_factory=list)

    def new(self, viewport: dict[str, int] = PHONE, **options: Any) -> Any:
        ctx = self.browser.new_context(viewport=viewport, base_url=self.base, **options)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("console", lambda msg: self._console(page, msg))
        self.opened.append(page)
        return page

    def _console(self, page: Any, msg: Any) -> None:
        if "Content Security Policy" in msg.text:
            self.csp_violations.append(f"{page.url}: {msg.text}")

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:120]


@pytest.fixture
def pages(browser, server, request) -> Iterator[Pages]:
    p = Pages(browser=browser, base=server.base)
    yield p
    violations = list(p.csp_violations)
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(p.opened):
            if page.is_closed():
                continue
            target = ARTEFACTS / f"{_slug(request.node.nodeid)}-{i}.png"
            try:
                page.screenshot(path=str(target), full_page=True)
                print(f"screenshot of {page.url}: {target}")
            except Exception as exc:  # a broken page must not hide the real failure
                print(f"no screenshot of {page.url}: {exc}")
    p.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def add_style(page: Any, css: str) -> None:
    """Add a style sheet to the page as a constructed sheet (CSSOM): the pages' policy allows
    no inline <style> but their own, so `add_style_tag` would be refused."""
    page.evaluate("""css => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }""", css)


def run_axe(page: Any, axe_js: Path) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as an inline <script>: the pages'
        # Content-Security-Policy allows scripts from the server only.
        page.evaluate(axe_js.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core: {len(violations)} violation(s) on {url}"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


@pytest.fixture
def axe(axe_source) -> Callable[..., None]:
    """`axe(page)` fails the test when axe-core finds a WCAG 2.x A/AA violation on the page
    (`allow`: rule ids to leave out, each with its reason where it is used)."""

    def check(page: Any, allow: frozenset[str] = frozenset()) -> None:
        violations = [v for v in run_axe(page, axe_source) if v["id"] not in allow]
        assert not violations, format_violations(page.url, violations)

    return check
