"""The workspace in a real headless Chromium (Debian's ``chromium``) driven by Playwright, against
the real server (``python -m coding --project P serve --no-browser --port N``) on the sample corpus.

Checked as a coder works: name yourself, open a transcript, select a passage, apply a code (click,
filter + Enter, recent-code key), see it in ``coding codings``; remove one; accept and reject
proposals and see a later ``coding autocode`` not propose them again; search and code the hits;
a hostile transcript and code label stay inert text. Screenshots of the main pages go to tmp, or
to docs/ with ``CODING_SCREENSHOTS=1``.

Without chromium the tests skip on a developer's machine, and fail in CI (``CI`` set).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from web_helpers import HOSTILE_LABEL, HOSTILE_NAME, IMG_TAG, ROOT, SCRIPT_TAG, Server, sample_copy

CHROMIUM = os.environ.get("CODING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SOURCE = "kildemose_borger.txt"


def _chromium() -> str:
    """The browser's path. A machine without it (a bare clone on a laptop) skips these tests with the
    reason; where the browser must be there (``.ci/run`` sets CODING_REQUIRE_BROWSER, and any CI)
    its absence fails them."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if path:
        return path
    message = f"no chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    if os.environ.get("CODING_REQUIRE_BROWSER") or os.environ.get("CI"):
        pytest.fail(message + "; here the browser tests must run")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def served(tmp_path, tmp_path_factory):
    project = sample_copy(tmp_path, tmp_path_factory.getbasetemp() / "web-sample")
    server = Server(project)
    yield server, project
    server.stop()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def shots_dir(tmp_path: Path) -> Path:
    return ROOT / "docs" if os.environ.get("CODING_SCREENSHOTS") else tmp_path


def cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "coding", "--project", str(project), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def codings(project: Path, *args: str) -> list[dict]:
    return json.loads(cli(project, "codings", "--format", "json", *args).stdout)


def name_myself(page, base: str, name: str) -> None:
    page.goto(base + "/sources")
    assert page.locator("#name-first").is_visible()
    page.fill("#coder-name", name)
    with page.expect_navigation():
        page.click("#whoami button")
    assert page.input_value("#coder-name") == name


def select_text(page, words: str) -> None:
    """Select ``words`` in the transcript the way a mouse does (a DOM selection), by its first place."""
    found = page.evaluate("""(words) => {
        const walker = document.createTreeWalker(document.getElementById('text'), NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const at = node.data.indexOf(words);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + words.length);
                const sel = window.getSelection();
                sel.removeAllRanges();
                sel.addRange(range);
                return true;
            }
        }
        return false;
    }""", words)
    assert found, words
    page.wait_for_function("document.getElementById('selection').classList.contains('active')")


def test_open_select_code_and_see_it_in_coding_codings(page, served, tmp_path):
    server, project = served
    name_myself(page, server.base, "Mette B")
    page.screenshot(path=str(shots_dir(tmp_path) / "workspace-sources.png"))
    page.click(f"text={SOURCE}")
    page.wait_for_selector("#text")
    assert page.inner_text("#source-name") == SOURCE

    # 1. select a passage, type to filter the codes, Enter applies the first match
    select_text(page, "frisøruddannelsen")
    page.fill("#code-filter", "Tro på borg")
    with page.expect_navigation():
        page.press("#code-filter", "Enter")
    mine = codings(project, "--coder", "Mette B")
    assert [(c["text"], c["code"], c["origin"]) for c in mine] == [("frisøruddannelsen", "belief", "manual")]

    # 2. the recent code comes back under key 1
    assert page.inner_text("#recent").strip().startswith("1")
    select_text(page, "Jeg fik angst.")
    with page.expect_navigation():
        page.keyboard.press("1")
    # 3. a click on a code in the tree
    select_text(page, "nye sagsbehandlere hele tiden")
    with page.expect_navigation():
        page.click(".code-btn[data-code='caseload']")
    mine = {(c["text"], c["code"]) for c in codings(project, "--coder", "Mette B")}
    assert mine == {("frisøruddannelsen", "belief"), ("Jeg fik angst.", "belief"),
                    ("nye sagsbehandlere hele tiden", "caseload")}

    # 4. the marks and margin show them; a triple click takes a whole turn
    assert page.locator("#text .chip", has_text="Mette B").count() == 3
    page.locator(".block .t", has_text="Hvad skete der så?").first.click(click_count=3)
    page.wait_for_function("document.getElementById('selection').textContent.includes('Hvad skete der så?')")
    with page.expect_navigation():
        page.click(".code-btn[data-code='success_stories']")
    whole = [c for c in codings(project, "--coder", "Mette B") if c["code"] == "success_stories"]
    assert [c["text"] for c in whole] == ["Hvad skete der så?"]
    page.locator(".block", has_text="frisøruddannelsen").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir(tmp_path) / "workspace-transcript.png"))

    # 5. remove one from the margin
    chip = page.locator("#text .chip", has_text="Succeshistorier")
    with page.expect_navigation():
        chip.locator(".rm").click()
    assert not [c for c in codings(project, "--coder", "Mette B") if c["code"] == "success_stories"]
    assert page.errors == []


def test_accept_and_reject_proposals(page, served, tmp_path):
    server, project = served
    name_myself(page, server.base, "Rikke")
    page.goto(server.base + "/review?code=belief")
    first = int(page.get_attribute("#proposal", "data-id"))
    matched = page.inner_text("#proposal .matched")
    assert matched and page.inner_text("#proposal .rule")
    page.screenshot(path=str(shots_dir(tmp_path) / "workspace-review.png"))
    with page.expect_navigation():
        page.keyboard.press("a")  # accept
    second = int(page.get_attribute("#proposal", "data-id"))
    assert second != first
    with page.expect_navigation():
        page.click("#reject")
    assert int(page.get_attribute("#proposal", "data-id")) not in (first, second)
    rates = page.locator("#acceptance tr", has_text="belief").first.inner_text()
    assert "100 %" in rates or "50 %" in rates or "0 %" in rates

    reviews = cli(project, "codings", "--coder", "Rikke", "--format", "json")
    accepted = json.loads(reviews.stdout)
    assert len(accepted) == 1 and accepted[0]["origin"] == "manual" and accepted[0]["code_path"].startswith("belief")
    auto_before = codings(project, "--origin", "auto")
    places = {(c["source"], c["start"], c["end"], c["code"]) for c in auto_before}
    # the auto-coder runs again while the server is up: neither proposal comes back
    cli(project, "autocode", "--force")
    after = {(c["source"], c["start"], c["end"], c["code"]) for c in codings(project, "--origin", "auto")}
    assert after == places
    assert (accepted[0]["source"], accepted[0]["start"], accepted[0]["end"], accepted[0]["code"]) not in after
    assert page.errors == []


def test_search_and_code_the_hits(page, served, tmp_path):
    server, project = served
    name_myself(page, server.base, "Ole")
    page.goto(server.base + "/search")
    page.fill("#q", "makkerpar")
    with page.expect_navigation():
        page.press("#q", "Enter")
    hits = page.locator("#hits li")
    assert hits.count() >= 1
    page.screenshot(path=str(shots_dir(tmp_path) / "workspace-search.png"))
    page.select_option("#hits-code", "internal_collaboration")
    page.click("#code-hits-btn")
    page.wait_for_function("document.getElementById('hit-count').textContent.includes('coded as')")
    made = codings(project, "--coder", "Ole")
    assert made and all(c["code"] == "internal_collaboration" for c in made)
    assert all("makkerpar" in c["text"].lower() for c in made)
    # a hit opens the transcript at its place
    with page.expect_navigation():
        hits.first.locator("a.where").click()
    assert page.locator(".block.target").count() == 1
    assert "makkerpar" in page.locator(".block.target").inner_text().lower()
    assert page.errors == []


def test_tables_and_agreement(page, served, tmp_path):
    server, project = served
    page.goto(server.base + "/tables?cols=role")
    page.screenshot(path=str(shots_dir(tmp_path) / "workspace-tables.png"))
    cell = page.locator("#matrix .cell").first
    expected = int(cell.inner_text())
    cell.click()
    page.wait_for_selector("#segments ol li")
    assert page.locator("#segments ol li").count() == expected
    cli(project, "codings", "import", str(write_sheet(tmp_path)))
    page.goto(server.base + "/agreement?a=autocode&b=lise")
    assert page.locator("#agreement tbody tr").count() >= 1
    with page.expect_navigation():
        page.locator("#disagreements a.where").first.click()
    assert page.locator(".block.target").count() == 1
    assert page.errors == []


def write_sheet(tmp_path: Path) -> Path:
    path = tmp_path / "lise.csv"
    path.write_text("source,code,coder,turn\nkildemose_borger.txt,belief,lise,4\n", encoding="utf-8")
    return path


def test_a_hostile_transcript_stays_inert(page, served, tmp_path):
    server, project = served
    name_myself(page, server.base, '"><b>Eve</b>')
    page.goto(server.base + f"/sources/{HOSTILE_NAME}")
    text = page.inner_text("#text")
    assert SCRIPT_TAG in text and IMG_TAG in text  # shown as the characters they are
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("#text script, #text img, img").count() == 0
    assert HOSTILE_LABEL in page.inner_text("#code-list")
    # code the markup with the code whose label is markup: still text, in the margin too
    select_text(page, SCRIPT_TAG)
    with page.expect_navigation():
        page.click(".code-btn[data-code='hostile_label']")
    assert page.locator("img").count() == 0 and page.evaluate("window.__pwned === undefined")
    assert HOSTILE_LABEL in " ".join(page.locator("#text .margin").all_inner_texts())
    assert page.input_value("#coder-name") == '"><b>Eve</b>' and page.locator("b", has_text="Eve").count() == 0
    made = codings(project, "--coder", '"><b>Eve</b>')
    assert [c["text"] for c in made] == [SCRIPT_TAG]
    page.goto(server.base + "/review")
    page.goto(server.base + "/codebook")
    assert page.locator("img").count() == 0 and page.evaluate("window.__pwned === undefined")
    assert page.errors == []


def test_memos_on_a_coding_a_source_and_a_code(page, served, tmp_path):
    server, project = served
    name_myself(page, server.base, "Hanne")
    page.goto(server.base + f"/sources/{SOURCE}")
    select_text(page, "Jeg fik angst.")
    with page.expect_navigation():
        page.click(".code-btn[data-code='belief']")
    chip = page.locator("#text .chip", has_text="Hanne")
    chip.locator(".memo-btn").click()
    chip.locator(".memo-form textarea").fill("Angst nævnt første gang <b>her</b>")
    with page.expect_navigation():
        chip.locator(".memo-form button").click()
    assert "Angst nævnt første gang <b>her</b>" in page.locator("#text .chip", has_text="Hanne").inner_text()
    page.fill("#source-memo textarea", "Læs turen om lageret igen.")
    with page.expect_navigation():
        page.click("#source-memo button")
    assert "Læs turen om lageret igen." in page.inner_text("#source-memos")
    page.goto(server.base + "/codebook")
    form = page.locator("form.code-memo[data-code='caseload']")
    form.locator("input").fill("Skift af sagsbehandler hører her.")
    with page.expect_navigation():
        form.locator("button").click()
    memos = json.loads(cli(project, "memo", "list", "--format", "json").stdout)
    on = {(m["on"], m["author"], m["text"]) for m in memos}
    assert ("coding", "Hanne", "Angst nævnt første gang <b>her</b>") in on
    assert ("source", "Hanne", "Læs turen om lageret igen.") in on
    assert ("code", "Hanne", "Skift af sagsbehandler hører her.") in on
    assert page.locator("b", has_text="her").count() == 0
    assert page.errors == []
