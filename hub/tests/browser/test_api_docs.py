"""The API docs page runs in a browser under the site's policy (issue 16,
class 9): Swagger UI loads from our origin and renders the operations, with
no script error and no Content-Security-Policy violation."""

import pytest

from hub.tests.browser.conftest import url

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_docs_render_without_policy_violations(page):
    page.goto(url("api-v1:openapi-view"))
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 5
    assert page.evaluate(
        "() => [...document.scripts].every("
        "s => !s.src || new URL(s.src).origin === location.origin)"
    )
