"""Every URL but the probes and the login pages sends an anonymous visitor to log in."""

import pytest

from tests.security.urlwalk import unresolvable_patterns, walk_urls

pytestmark = pytest.mark.django_db

# Open to anonymous visitors on purpose: the liveness/readiness probes, the two login forms, the metrics
# (no session: a bearer token or an allowed address, loopback by default, as the test client's is), and the
# favicon (a redirect to the static icon, which the log-in page shows too).
OPEN_URLS = {"healthz", "readyz", "login", "admin:login", "metrics", "favicon"}

WALKED = walk_urls()


def test_the_walker_fills_in_every_pattern():
    assert unresolvable_patterns() == []
    assert len(WALKED) > 10


@pytest.mark.parametrize("url", [u for u in WALKED if u.name not in OPEN_URLS], ids=lambda u: u.path)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_request_is_sent_to_the_login_page(client, url, method):
    response = getattr(client, method)(url.path)

    assert response.status_code == 302, response.content[:300]
    # The admin's own pages send visitors to its login form; everything else to the site's.
    admin = url.path.startswith("/admin/")
    logins = ("/accounts/login/", "/admin/login/") if admin else ("/accounts/login/",)
    assert response["Location"].startswith(logins)


@pytest.mark.parametrize("url", [u for u in WALKED if u.name in OPEN_URLS], ids=lambda u: u.path)
def test_open_urls_answer_anonymously(client, url):
    response = client.get(url.path)

    # The favicon is a permanent redirect to the static icon.
    assert response.status_code in ({301} if url.name == "favicon" else {200, 503})


def test_every_open_url_exists():
    assert {u.name for u in WALKED} >= OPEN_URLS
