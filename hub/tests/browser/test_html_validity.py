"""Valid HTML: the Nu HTML Checker (the W3C's "vnu") on the main public pages,
as the live server sends them."""

import re
import urllib.request

import pytest

from hub.tests.browser import validator
from hub.tests.browser.conftest import IN_CI
from hub.tests.browser.main_pages import main_pages, media_on_disk

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def nu_checker():
    """Java and the checker's jars, which `make install` fetches before the
    session (the session itself may not download anything). Outside CI a
    missing one skips; in CI it fails."""
    try:
        validator.java_path()
        if not validator.fetched():
            raise validator.ValidatorError(
                f"The Nu HTML Checker {validator.VNU_VERSION} is missing from "
                f"{validator.jar_dir()}: run `make install`."
            )
    except validator.ValidatorError as exc:
        if IN_CI:
            pytest.fail(f"The Nu HTML Checker is required in CI: {exc}", pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture
def media(settings, tmp_path_factory):
    """Images served by the live server, before the demo loads them."""
    media_on_disk(settings, tmp_path_factory.mktemp("media"))


def html_fetch(address: str) -> bytes:
    with urllib.request.urlopen(address, timeout=60) as response:
        assert response.status == 200, f"{address}: HTTP {response.status}"
        return response.read()


def test_checker_reports_errors_with_line_and_extract(nu_checker, tmp_path):
    """The gate bites: on a page with an htmx attribute not prefixed with
    data- and an unclosed element, the checker reports errors naming them,
    with their line and an extract; a warning alone is not an error."""
    invalid = tmp_path / "invalid.html"
    invalid.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head><title>t</title></head>\n'
        '<body>\n<p hx-get="/x">a</p>\n<div>\n</body>\n</html>\n'
    )
    warned = tmp_path / "warned.html"
    warned.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head><title>t</title></head>\n'
        '<body><ul role="list"><li>a</li></ul></body>\n</html>\n'
    )

    messages = validator.check([invalid, warned])

    errors = validator.errors(messages)
    assert {m.path for m in errors} == {str(invalid)}
    hx = next(m for m in errors if "hx-get" in m.message)
    assert hx.line == 5 and "hx-get" in hx.extract
    assert any("div" in m.message for m in errors)
    assert any(m.path == str(warned) for m in messages)


def test_main_pages_are_valid_html(nu_checker, media, demo_site, live_server, tmp_path):
    """Home, a member search with results, a member profile and an experiment,
    in English, as served to an anonymous visitor: the Nu HTML Checker reports
    no error (warnings are not counted). The message lists each error with
    its page, line and extract."""
    pages = {}
    for name, path in main_pages("en").items():
        saved = tmp_path / (re.sub(r"\W+", "-", name) + ".html")
        saved.write_bytes(html_fetch(live_server.url + path))
        pages[str(saved)] = (name, path)

    errors = validator.errors(validator.check(list(pages)))

    lines = []
    for message in errors:
        name, path = pages.get(message.path, (message.path, ""))
        extract = " ".join(message.extract.split())
        lines.append(f"{name} ({path}) line {message.line}: {message.message}")
        lines.append(f"    {extract}")
    assert not errors, (
        f"Nu HTML Checker {validator.VNU_VERSION}: {len(errors)} error(s) "
        f"(pages saved in {tmp_path}):\n" + "\n".join(lines)
    )
