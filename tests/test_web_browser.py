"""The web page in a real browser: Debian's Chromium, headless, driven by Playwright,
against a real ``searchidx serve`` process.

Skips where Chromium (``/usr/bin/chromium``; ``apt-get install chromium``) or
Playwright is missing; never downloads a browser. Screenshots go to
``$SEARCHIDX_SCREENSHOTS`` (``docs/screenshots`` to refresh the docs' ones),
else to a temporary folder.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from .web_support import (
    HOSTILE_PERSON,
    build_index,
    build_story_index,
    require_web,
    start_server,
    stop_server,
)

require_web()
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: apt-get install chromium (.ci/run does)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: "
                                                            "pip install -e '.[web,browser]'")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# name: (server, path); "stories" is the index of real articles with versions
MAIN_PAGES = {"search": ("web", "?q=Peskov+OR+Austin+OR+Putin"), "home": ("web", ""),
              "article": ("stories", "article/s2"), "quotes": ("web", "quotes"),
              "person": ("web", "person/John%20Kirby"),
              "person-choice": ("stories", "person/Bianchi")}
HOSTILE_PAGES = ["", "?q=munizioni", "article/xss-1", "quotes",
                 "person/" + HOSTILE_PERSON.replace(" ", "%20"),
                 "?q=%3Cscript%3Ealert(1)%3C/script%3E%20%22%3E%3Cimg%20src=x%20onerror=alert(2)%3E",
                 "quotes?q=%3Cscript%3Ealert(1)%3C/script%3E"]
HTTP_STATUS = re.compile(r"Failed to load resource: the server responded with a status of 4")
INJECTED = ("img, iframe, object, embed, script:not([src]), [onerror], [onload], [onclick], "
            "a[href^='javascript:' i], form[action^='javascript:' i]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ix = build_index(tmp_path_factory.mktemp("browser-index"))
    process, url = start_server(ix.path)
    yield url
    assert "Traceback" not in stop_server(process)


@pytest.fixture(scope="module")
def story_server(tmp_path_factory):
    """A second server, over real articles with two versions of one story and a
    surname two people share."""
    ix = build_story_index(tmp_path_factory.mktemp("browser-story-index"))
    process, url = start_server(ix.path)
    yield url
    assert "Traceback" not in stop_server(process)


@pytest.fixture(scope="module")
def servers(server, story_server):
    return {"web": server, "stories": story_server}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, viewport=LAPTOP, accept_downloads=True)
        yield context
        context.close()


@pytest.fixture
def page(browser):
    """A tab that records dialogs and console errors (a CSP refusal is one): a test
    fails if any happened."""
    tab = browser.new_page()
    tab.dialogs = []
    tab.errors = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("console", lambda msg: tab.errors.append(msg.text)
           if msg.type == "error" and not HTTP_STATUS.match(msg.text) else None)
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    yield tab
    tab.close()
    assert tab.dialogs == [] and tab.errors == []


def params(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def summary(page) -> str:
    return page.locator("#summary").inner_text()


def test_search_facet_chip_histogram_article_and_back(page, server):
    page.goto(server)
    page.fill("#q", "munizioni")
    page.press("#q", "Enter")
    page.wait_for_url("**/?q=munizioni*")
    assert summary(page).startswith("5 articles")
    page.locator("#facet-speakers ~ ul a", has_text="John Kirby").click()
    page.wait_for_url("**speaker=John+Kirby*")
    assert summary(page).startswith("2 articles")
    assert page.locator(".chip").inner_text().split()[:3] == ["speaker", "John", "Kirby"]
    page.locator(".chip-remove").click()
    page.wait_for_url(lambda url: "speaker" not in url)
    assert summary(page).startswith("5 articles") and page.locator(".chip").count() == 0
    page.locator('a.bar[data-period="2023-09-12"]').click()
    page.wait_for_url("**from=2023-09-12*")
    assert params(page)["to"] == ["2023-09-12"] and summary(page).startswith("1 article")
    page.go_back()
    assert params(page) == {"q": ["munizioni"]} and summary(page).startswith("5 articles")
    before = [h.inner_text() for h in page.locator(".hit-title").all()]
    page.locator(".hit-title a").first.click()
    page.wait_for_url("**/article/**")
    assert page.locator("h1").inner_text() == before[0]
    page.go_back()
    page.wait_for_url("**/?q=munizioni")
    assert [h.inner_text() for h in page.locator(".hit-title").all()] == before
    page.go_forward()
    page.wait_for_url("**/article/**")


def test_an_article_links_its_other_versions_and_similar_articles(page, story_server):
    page.goto(story_server + "article/s2")
    versions = page.locator("#versions li")
    assert versions.count() == 2
    assert "(this one)" in versions.nth(1).inner_text()
    versions.nth(0).locator("a").click()
    page.wait_for_url("**/article/s1")
    assert page.locator("h1").inner_text() == "Putin e Kim"
    similar = page.locator("#similar a.related-title")
    first = similar.first.inner_text()
    assert similar.count() >= 2 and "Putin e Kim" not in similar.all_inner_texts()
    similar.first.click()
    page.wait_for_url(lambda url: not url.endswith("/article/s1"))
    assert page.locator("h1").inner_text() == first
    page.go_back()
    page.wait_for_url("**/article/s1")
    assert axe_violations(page) == []


def test_a_person_page_leads_to_their_articles_and_the_people_beside_them(page, server):
    page.goto(server + "person/Kirby")
    assert page.locator("h1").inner_text() == "John Kirby"
    assert page.locator("#roles li").count() == 2
    page.locator('#mentions-caption ~ svg a.bar[data-period="2023-09"]').click()
    page.wait_for_url("**/?person=John+Kirby&from=2023-09&to=2023-09")
    assert summary(page).startswith("3 articles")
    page.go_back()
    page.locator("#beside a", has_text="Kim Jong-un").click()
    page.wait_for_url("**/person/Kim%20Jong-un")
    assert page.locator("h1").inner_text() == "Kim Jong-un"


def test_an_ambiguous_name_offers_the_people_it_could_be(page, story_server):
    page.goto(story_server + "person/Bianchi")
    assert page.locator("h1").inner_text() == "Which one?"
    assert axe_violations(page) == []
    page.locator(".candidates a", has_text="Marco Bianchi").click()
    page.wait_for_url("**/person/Marco%20Bianchi")
    assert page.locator("h1").inner_text() == "Marco Bianchi"
    assert "È un accordo storico" in page.locator(".quotes").inner_text()


def test_dragging_across_the_histogram_filters_to_that_range(page, server):
    page.goto(server + "?q=munizioni+OR+grano")
    periods = page.locator("svg.bars").get_attribute("data-periods").split(",")
    assert periods[0] == "2022-07" and len(periods) == 15
    box = page.locator("svg.bars").bounding_box()
    width = box["width"] / len(periods)

    def x_of(i: int) -> float:
        return box["x"] + (i + 0.5) * width

    y = box["y"] + box["height"] / 2
    page.mouse.move(x_of(0), y)
    page.mouse.down()
    page.mouse.move(x_of(2), y, steps=4)
    page.mouse.move(x_of(3), y, steps=4)
    page.mouse.up()
    page.wait_for_url("**from=2022-07*")
    assert params(page)["from"] == ["2022-07"] and params(page)["to"] == ["2022-10"]
    assert summary(page).startswith("1 article")


def test_keyboard_shortcuts(page, server):
    page.goto(server + "?q=munizioni&sort=-date")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    titles = page.locator(".hit-title a")
    assert page.locator(".hit.current").count() == 1
    assert page.evaluate("document.activeElement.textContent") == titles.nth(0).inner_text()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    second = titles.nth(1).inner_text()
    assert page.evaluate("document.activeElement.textContent") == second
    page.keyboard.press("Enter")
    page.wait_for_url("**/article/**")
    assert page.locator("h1").inner_text() == second


def test_keys_move_through_a_persons_quotes_and_slash_leads_to_the_search_box(page, server):
    page.goto(server + "person/Kirby")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator(".hit.current").count() == 1
    assert page.locator(".quotes .hit").nth(1).get_attribute("class") == "hit current"
    page.keyboard.press("k")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == page.locator(".quotes .hit a").first.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url("**/article/**")
    assert page.locator("h1").inner_text() == focused
    page.keyboard.press("/")  # no box on an article: the search page, its box focused
    page.wait_for_url("**/#q")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("droni")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=droni")


def test_a_bad_id_or_name_is_a_clear_not_found_page(page, server):
    answer = page.goto(server + "article/nope")
    assert answer.status == 404 and page.locator("h1").inner_text() == "Not found"
    assert page.locator(".error").inner_text() == \
        "no article with id 'nope'; find ids with a search"
    answer = page.goto(server + "person/Kirbi")
    assert answer.status == 404
    assert "no person 'Kirbi' in the articles" in page.locator(".error").inner_text()
    page.locator(".candidates a", has_text="John Kirby").click()
    page.wait_for_url("**/person/John%20Kirby")
    assert "Traceback" not in page.content()


def test_export_downloads_the_whole_result_set(page, server, tmp_path):
    page.goto(server + "?q=munizioni&limit=2")
    with page.expect_download() as download:
        page.locator(".exports a", has_text="CSV").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(saved.open(encoding="utf-8")))
    assert rows[0][0] == "id" and len(rows) == 6  # five articles, though the page shows two


def test_a_malformed_query_shows_its_error_under_the_box(page, server):
    page.goto(server)
    page.fill("#q", "munizioni AND")
    page.press("#q", "Enter")
    error = page.locator("#query-error")
    assert "AND has no word after it" in error.inner_text()
    assert page.locator("#q").input_value() == "munizioni AND"
    assert page.locator("#q").get_attribute("aria-invalid") == "true"
    assert "Traceback" not in page.content()


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_hostile_text_never_runs_nor_adds_elements(page, server, path):
    page.goto(server + path)
    page.wait_for_load_state("load")
    for link in page.locator("a.bar, .hit-title a").all()[:2]:
        link.hover()
    assert page.locator(INJECTED).count() == 0
    assert page.locator("script").count() == 1  # /static/app.js only
    text = page.locator("body").inner_text()
    if "xss-1" in path:
        assert "<script>alert('title')</script> Munizioni per Mosca" in text
        assert "\"><img src=x onerror=alert('body')>" in text
        assert "javascript:alert('url')" in text
    if "person/" in path:
        assert HOSTILE_PERSON in text
    if path.startswith("?q=%3Cscript"):
        assert page.locator("#q").input_value().startswith("<script>alert(1)</script>")


def test_typing_markup_into_the_box_is_searched_as_text(page, server):
    page.goto(server)
    page.fill("#q", "<img src=x onerror=alert(1)> munizioni")
    page.check("input[name=any]")
    page.press("#q", "Enter")
    page.wait_for_url("**any=1*")
    assert page.locator(INJECTED).count() == 0 and summary(page).startswith("5 articles")


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text("utf-8"))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in found
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("name", sorted(MAIN_PAGES))
def test_main_pages_have_no_serious_accessibility_violations(page, servers, name):
    where, path = MAIN_PAGES[name]
    page.goto(servers[where] + path)
    assert axe_violations(page) == []


def screenshot_folder(tmp_path_factory) -> Path:
    chosen = os.environ.get("SEARCHIDX_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


LAYOUT_SHIFT = """() => new Promise(done => {
    let total = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) { if (!entry.hadRecentInput) total += entry.value; }
    }).observe({type: "layout-shift", buffered: true});
    setTimeout(() => done(total), 300);
})"""


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_main_pages_fit_the_screen_without_layout_jumps(browser, servers, tmp_path_factory,
                                                        viewport):
    folder = screenshot_folder(tmp_path_factory)
    tab = browser.new_page()
    tab.set_viewport_size(LAPTOP if viewport == "laptop" else PHONE)
    try:
        for name, (where, path) in MAIN_PAGES.items():
            tab.goto(servers[where] + path)
            tab.wait_for_load_state("load")
            shift = tab.evaluate(LAYOUT_SHIFT)
            assert shift < 0.01, f"{name}: layout shift {shift:.3f}"
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name}: {overflow}px wider than the {viewport} screen"
            tab.screenshot(path=str(folder / f"{name}-{viewport}.png"),
                           full_page=viewport == "phone")
            assert (folder / f"{name}-{viewport}.png").stat().st_size > 10_000
    finally:
        tab.close()

