"""Every limit in the settings table is documented with its value in the README."""
from pathlib import Path

import pytest

from search import settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md"]
CAPS = [s for s in settings.SETTINGS
        if s.name.startswith("max_") or s.name in {"k_max", "worker_timeout", "writer_wait_seconds"}]


@pytest.mark.parametrize("setting", CAPS, ids=[s.name for s in CAPS])
def test_every_cap_is_documented_with_its_value(setting):
    value = f"{setting.default:g}" if isinstance(setting.default, float) else str(setting.default)
    row = f"| `{setting.name}` | {value} |"
    assert any(row in path.read_text("utf-8") for path in DOCS if path.exists()), row


def test_the_app_body_limit_is_the_setting():
    from web import create_app
    assert create_app().config["MAX_CONTENT_LENGTH"] == settings.get("max_request_bytes")
