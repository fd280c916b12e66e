import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from accounts.tests.factories import PASSWORD
from core import rates
from core.tests.celery_broker import celery_broker, tasks_run_in_process  # noqa: F401 - tasks in the process, or a broker
from core.tests.clock import WINDOW_START, FrozenClock
from payments.tests.stripe_fake import fake_stripe  # noqa: F401 - the fake Stripe API for card payment tests


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (row locks, real concurrency) are skipped on SQLite, with a reason."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """After every PostgreSQL test (the concurrency tests), while its rows are still there:
    `manage.py verify_totals`, which fails the test if any stored total differs from its sum."""
    outcome = yield
    if "postgresql" in item.keywords and outcome.excinfo is None and connection.vendor == "postgresql":
        from django.core.management import call_command

        call_command("verify_totals", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def cheap_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.CheapArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language (French): the language a request activated
    stays active in the thread afterwards, and must not leak into the next test."""
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: one test's API throttle counters, cached responses or
    cached report must not decide what the next test gets (the anonymous rate is 120 a minute, and
    the whole suite makes more anonymous API requests than that)."""
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def login(client):
    """Log a member in on the test client; returns the client."""

    def _login(member):
        client.force_login(member)
        return client

    return _login


@pytest.fixture
def limits_clock(monkeypatch):
    """core/rates.py's clock, stopped ten minutes and ten seconds into an hour (core/tests/clock.py)."""
    clock = FrozenClock(WINDOW_START + 610)
    monkeypatch.setattr(rates, "time", clock)
    return clock


@pytest.fixture
def in_english(settings):
    """The site in English for a test that reads its messages in their source language (French
    is the site's default; core/tests/test_i18n.py checks the French side)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
