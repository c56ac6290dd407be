import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    """Playwright's sync API keeps an event loop in this thread; the ORM calls a journey
    makes around it are ordinary synchronous ones. Scoped to e2e tests only."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    # Per test, not per session: Playwright's loop must be gone before later tests use the ORM.
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        # ORM calls made while Playwright's loop runs open connections in that loop's
        # context; close them here or they outlive the test and block the DB teardown.
        from django.db import connections

        connections.close_all()
        browser.close()


@pytest.fixture
def page(browser):
    """A browser tab. Every journey also fails if the page broke its Content Security Policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not blocked, "CSP violations:\n" + "\n".join(blocked)


@pytest.fixture
def axe_check():
    """Run axe-core in the page; fail on serious or critical WCAG 2.x A/AA findings."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does this)")
    source = AXE.read_text()

    def check(page):
        # Let CSS transitions end first: a message fading in is low-contrast for half a second.
        # (Not animations: Wagtail's menu badge pings for 25 s and is never half-faded text.)
        page.evaluate(
            """() => new Promise(done => requestAnimationFrame(() => Promise.all(
                document.getAnimations()
                    .filter(a => a instanceof CSSTransition)
                    .map(a => a.finished.catch(() => null))
            ).then(done)))"""
        )
        # Evaluated through the DevTools protocol: the page's CSP forbids inline <script> tags.
        page.evaluate(source)
        result = page.evaluate(
            """() => axe.run(document, {runOnly: {type: 'tag', values:
                ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
        )
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        detail = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
            for v in bad
        )
        assert not bad, f"axe found problems on {page.url}:\n{detail}"
        return result

    return check


@pytest.fixture(autouse=True)
def _demo_programme(demo):
    """These tests are about the demo programme `make run` seeds, so every one has it."""
