"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Run in their own pytest invocation (``make test`` does this) with
DJANGO_ALLOW_ASYNC_UNSAFE=true and plain static files storage.
"""

import io
import shutil

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def demo_borough(transactional_db):
    """The demo borough, as `make run` serves it (60 random children besides the case
    studies, to keep each test quick)."""
    from django.core.management import call_command

    call_command("seed_demo", children=60, stdout=io.StringIO())


@pytest.fixture
def shots(request):
    from tests.browser.journey import Shots

    return Shots(request.node.name)
