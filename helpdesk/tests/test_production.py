"""The production build as docs/deploy.md runs it: collectstatic, then gunicorn with DEBUG off."""

import re
import subprocess

import pytest

from helpdesk.tests.processes import BASE_DIR, BIN, Browser, gunicorn, production_environment
from tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_static_files_build_and_pages_render_with_debug_off(tmp_path, settings):
    # Hash the password the way the server does (the test settings use a fast hasher it lacks).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    UserFactory(username="lead", password="lead-password-9", roles=["manager"])
    env = production_environment(STATIC_ROOT=str(tmp_path / "static"))

    build = subprocess.run(
        [str(BIN / "python"), "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-4000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()

    base, server = gunicorn(env, tmp_path)
    with server:
        browser = Browser(base)
        login = browser.request("/login/")
        html = login.read().decode()
        assert login.status == 200, html[:2000]
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, "the login page links the hashed stylesheet"
        css = browser.request(stylesheet.group(1))
        assert css.status == 200 and "immutable" in css.headers["Cache-Control"]

        browser.log_in("lead", "lead-password-9")
        dashboard = browser.request("/analytics/")
        page = dashboard.read().decode()
        assert dashboard.status == 200, page[:2000]
        chart = re.search(r'src="(/static/vendor/chart\.umd\.[0-9a-f]{12}\.js)"', page)
        assert chart, "the dashboard loads the hashed Chart.js"
        assert browser.request(chart.group(1)).status == 200
        inbox = browser.request("/")
        assert inbox.status in (200, 302)
