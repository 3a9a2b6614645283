"""One JSON serializer for every body the project prints or serves."""
from __future__ import annotations

import json


def dumps(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
