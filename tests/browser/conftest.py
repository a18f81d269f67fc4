"""The whole platform with the portal (devtools.platform on free ports), once per run, and Debian's
Chromium driven by Playwright. Every page a test visits goes through axe (WCAG 2.1 AA): `Tab`
(portal_tabs.py) audits each page it reaches and the fixture fails a test that left a visited page
unaudited, or whose pages broke the Content-Security-Policy. Helpers live in portal_tabs.py, not
here: pytest keeps one module named `conftest` at a time.

While working on the portal, PORTAL_TEST_BACKEND=<var_dir of a running LocalPlatform> starts only a
portal from this checkout against that platform (tests that stop a shared process are skipped)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from devtools.platform import PORTAL, LocalPlatform
from portal_tabs import PASSWORD, Tab, new_patient

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def platform(request, tmp_path_factory) -> Iterator[LocalPlatform]:
    """The platform the end-to-end tests use (tests/conftest.py), or a portal on PORTAL_TEST_BACKEND."""
    backend = os.environ.get("PORTAL_TEST_BACKEND")
    if backend:
        attached = _portal_on(Path(backend), tmp_path_factory.mktemp("portal").resolve())
        try:
            yield attached
        finally:
            attached.stop()
        return
    yield request.getfixturevalue("whole_platform")


def _portal_on(backend: Path, own_dir: Path) -> LocalPlatform:
    platform = LocalPlatform(backend)
    platform.ports.update({f.stem: int(f.read_text()) for f in platform.port_dir.glob("*.port") if f.stem != PORTAL})
    platform.port_dir, platform.log_dir = own_dir / "ports", own_dir / "logs"
    for folder in (platform.port_dir, platform.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    platform.start_process(PORTAL)
    return platform


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_tab(browser: Browser, platform: LocalPlatform):
    """Factory of tabs, each in its own browser context (own cookies); `width` 1280 or 360."""
    opened: list[tuple[BrowserContext, Tab]] = []

    def open_tab(width: int = 1280) -> Tab:
        context = browser.new_context(viewport={"width": width, "height": 900 if width > 400 else 780},
                                      locale="fr-FR", accept_downloads=True)
        context.set_default_timeout(15_000)
        tab = Tab(context.new_page(), platform.portal_url)
        opened.append((context, tab))
        return tab

    yield open_tab
    for context, tab in opened:
        context.close()
        assert tab.audited == len(tab.loads), f"pages visited without an axe run: {tab.loads[tab.audited:]}"
        assert not tab.csp_errors, tab.csp_errors


@pytest.fixture
def activated(platform: LocalPlatform) -> dict:
    """A fresh patient who activated her space (through the gateway, as the activation test does in the browser)."""
    patient = new_patient(platform)
    response = httpx.post(platform.gateway_url + "/v1/activations", timeout=30, json={
        "provisional_code": patient["provisional_code"], "nir": patient["nir"],
        "vitale_serial": patient["vitale_serial"], "login_id": patient["login_id"], "password": patient["password"],
        "email": patient["email"], "accept_terms": True})
    assert response.status_code == 200, response.text
    return patient
