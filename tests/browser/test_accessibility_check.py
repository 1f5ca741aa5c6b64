"""The accessibility check every journey screenshot runs (tests/browser/conftest.py) can fail:
axe-core finds the two violations Attest's own pages had (an unlabelled select, a link told
apart by colour alone) on a page built to have them, and none once they are fixed."""

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

BAD = """<!doctype html><html lang="en"><head><title>bad</title></head><body><main>
<h1>Form</h1><fieldset><legend>Annex III use</legend><select><option>—</option></select></fieldset>
<p style="color:#5a6478">See the
<a href="/x" style="color:#1f4fd1;text-decoration:none">rule set</a>.</p>
</main></body></html>"""
GOOD = BAD.replace(
    "<select>", '<label for="u" class="x">Annex III use</label><select id="u">'
).replace("text-decoration:none", "text-decoration:underline")


def test_axe_reports_an_unlabelled_select_and_a_colour_only_link(page):
    page.set_content(BAD)
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found == {"select-name": "critical", "link-in-text-block": "serious"}


def test_axe_passes_the_same_page_once_fixed(page):
    page.set_content(GOOD)
    assert axe_violations(page) == []
