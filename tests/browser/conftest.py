"""pytest wiring for the browser tests: one signed-in Chromium per person (phone or desk), steps that build on each
other (a failed step skips the rest of its scenario instead of failing them confusingly), and a screenshot plus the
HTML of every open browser when a step fails."""

from __future__ import annotations

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import web  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.environ.get("BROWSER_ARTIFACTS", os.path.join(ROOT, "screenshots", "failures"))
_open: dict[str, object] = {}


def pytest_configure(config):
    config.addinivalue_line("markers", "incremental: later steps of the class are skipped once a step fails")


def pytest_runtest_setup(item):
    if "incremental" in item.keywords:
        failed = getattr(item.parent, "_failed_step", None)
        if failed is not None:
            pytest.skip(f"an earlier step failed: {failed}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        if "incremental" in item.keywords:
            item.parent._failed_step = item.name
        os.makedirs(ARTIFACTS, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", item.name)
        for who, driver in _open.items():
            try:
                driver.save_screenshot(os.path.join(ARTIFACTS, f"{stem}--{who}.png"))
                with open(os.path.join(ARTIFACTS, f"{stem}--{who}.html"), "w", encoding="utf-8") as f:
                    f.write(f"<!-- {driver.current_url} -->\n" + driver.page_source)
            except Exception as e:  # a dead browser must not hide the real failure
                print(f"could not save {who}'s page: {e}", file=sys.stderr)


class People:
    """Browsers for the people of the scenario, each signed in once and kept for the session."""

    def __init__(self):
        self.drivers = {}

    def get(self, username: str, viewport: dict):
        key = f"{username}@{'phone' if viewport['mobile'] else 'desk'}"
        if key not in self.drivers:
            driver = web.new_browser(viewport)
            self.drivers[key] = driver
            _open[key] = driver
            web.login(driver, username)
        return self.drivers[key]

    def close(self):
        for key, driver in self.drivers.items():
            _open.pop(key, None)
            try:
                driver.quit()
            except Exception:
                pass


@pytest.fixture(scope="session")
def people():
    p = People()
    yield p
    p.close()


@pytest.fixture(scope="session")
def photo_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("photos")


@pytest.fixture
def browser():
    """A fresh desk browser for one test, not signed in."""
    driver = web.new_browser(web.DESK)
    _open["fresh"] = driver
    yield driver
    _open.pop("fresh", None)
    driver.quit()
