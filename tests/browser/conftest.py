"""The web pages in headless Chromium (Debian's ``/usr/bin/chromium``; never a downloaded
browser), against a real uvicorn on a loopback port serving the demo dataset.

Every browser test FAILS when Chromium is missing (``make chromium`` installs it). Screenshots
go to ``tests/browser/screenshots/`` (git-ignored); ``SPENDDOWN_README_SHOTS=1`` also writes
the committed ones in ``docs/screenshots/`` (docs/web.md, "What the browser tests check").
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from spenddown import bootstrap
from spenddown.adapters.claim_format import parse_claim
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.entrypoints.cli import demo
from spenddown.services import claims, share_of_cost
from spenddown.services.common import today

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).parent / "screenshots"
README_SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PHONE = {"width": 375, "height": 812}


@dataclass(frozen=True)
class Server:
    base: str
    url: str  # the database
    county_token: str
    today: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(url: str) -> None:
    """What the journeys read but do not create: a clinic's clearance on the Garcia parents'
    SOC, and a claim for Leo (the seed's ABA child) for his deductible statement."""
    app = bootstrap.build(url, pins=demo.DEMO_PINS)
    try:
        day = today(app.env)
        share_of_cost.clear_share_of_cost(
            share_of_cost.ClearShareOfCost(
                npi=demo.CLINIC.npi,
                pin=demo.CLINIC.pin,
                member_id=parse_member_id(demo.MARIA.cin),
                bic_issue_date=date.fromisoformat(demo.MARIA.issue),
                service_date=day,
                billing_code="99213",
                service_charge=Money.parse("120.00"),
                payment=Payment.PAID,
                budget_unit="A",
            ),
            app.uow(),
            app.env,
        )
        coastal = demo.PROVIDER_BY_NAME["Coastal Behavioral Health"]
        claims.adjudicate_claim(
            claims.SubmitClaim(coastal.npi, coastal.pin, parse_claim(leo_claim("SEED-1", day))),
            app.uow(),
            app.env,
        )
    finally:
        app.close()


def leo_claim(claim_id: str, day: object) -> dict[str, object]:
    """The seed's ABA visit: the PPO applied $120 to the deductible; Medi-Cal pays 4 × $16.50."""
    coastal = demo.PROVIDER_BY_NAME["Coastal Behavioral Health"]
    return {
        "claim_id": claim_id,
        "provider_npi": coastal.npi,
        "member_id": demo.LEO.cin,
        "primary": {
            "payer_type": "commercial",
            "payer_name": "Blue Shield PPO",
            "claim_number": f"BS-{claim_id}",
            "adjudication_date": str(day),
        },
        "lines": [
            {
                "service_date": str(day),
                "procedure_code": "97153",
                "units": 4,
                "charge": "160.00",
                "primary": {"allowed": "120.00", "paid": "0.00", "deductible": "120.00"},
                "authorizations": {"medi_cal": "HN-PA-ABA-1", "primary": "BS-PA-ABA-1"},
            }
        ],
    }


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``spenddown serve`` as it runs in demo mode (``app.run``), on a fresh demo database."""
    folder = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{folder / 'web-demo.db'}"
    prepared = demo.prepare(url, fresh=True)
    county = demo.demo_tokens(url)["county"]
    _seed(url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPENDDOWN_")}
    env["SPENDDOWN_DEMO"] = "1"
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from spenddown.entrypoints.api.app import run; "
                f"run('127.0.0.1', {port}, {url!r}, True)",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180  # a loaded 2-core machine (load 20) took over 30 s
            while True:
                assert process.poll() is None, log.read_text(errors="replace")
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
            yield Server(base, url, county, prepared.today.isoformat())
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing at /usr/bin/chromium: run `make chromium` "
            "(scripts/ensure-chromium). Browser tests fail rather than skip."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    """A phone-sized browser (375 px), English, that can reach only the test server."""
    ctx = browser.new_context(viewport=PHONE, base_url=server.base, locale="en-US")
    ctx.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(server.base) else route.abort()
        ),
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


_AXE = Axe()


def check(page: Page, name: str, readme: str | None = None) -> None:
    """axe-core on the page (no serious or critical violation) and a 375 px screenshot."""
    results = _AXE.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"{name}: " + "\n".join(bad)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if readme and os.environ.get("SPENDDOWN_README_SHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SHOTS / readme), full_page=True)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[float, float, float]:
    found = re.findall(r"[\d.]+", css)
    return float(found[0]), float(found[1]), float(found[2])


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


DESK = {"width": 1280, "height": 900}
# Issue 15's findings are checked in both languages at both widths.
LANGS_AND_SIZES = [
    pytest.param(lang, size, id=f"{lang}-{name}")
    for lang in ("en", "es")
    for name, size in (("desk", DESK), ("phone", PHONE))
]


def size_tag(lang: str, size: dict[str, int]) -> str:
    return f"{lang}-{'phone' if size == PHONE else 'desk'}"


_BACKGROUND = (
    "e => { let n = e; while (n) { const c = getComputedStyle(n).backgroundColor;"
    " if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;"
    " n = n.parentElement; } return 'rgb(255, 255, 255)'; }"
)


def ring_contrast(page: Page, selector: str) -> float:
    """The contrast of the keyboard focus ring (the computed outline colour, reached with Tab
    so that :focus-visible applies) against the first opaque background behind the element."""
    element = page.locator(selector).first
    page.wait_for_load_state("load")
    for _ in range(3):  # the page's own autofocus may still move the focus after load
        element.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        if element.evaluate("e => e === document.activeElement"):
            break
    assert element.evaluate("e => e === document.activeElement"), selector
    ring = element.evaluate("e => getComputedStyle(e).outlineColor")
    style = element.evaluate("e => getComputedStyle(e).outlineStyle")
    assert style != "none", f"{selector}: no focus ring"
    behind = element.evaluate(_BACKGROUND.replace("let n = e", "let n = e.parentElement"))
    return contrast(ring, behind)


SMALL_TARGETS = """(selector) => Array.from(document.querySelectorAll(selector))
    .filter(e => e.offsetParent !== null)
    .map(e => [e.outerHTML.slice(0, 70), e.getBoundingClientRect()])
    .filter(([, r]) => r.height < 44 || r.width < 44)
    .map(([h, r]) => h + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""
TARGETS = (
    "main button, main a.button, main input:not([type=hidden]):not([type=radio])"
    ":not([type=checkbox]), main select, main summary, header.site a, label.inline,"
    " main .action-list a"
)


def small_targets(page: Page) -> list[str]:
    """Every visible control (buttons, button-like links, fields, header links, radio and
    checkbox labels) smaller than 44 × 44 px (WCAG 2.5.5), measured with its bounding box."""
    return list(page.evaluate(SMALL_TARGETS, TARGETS))
