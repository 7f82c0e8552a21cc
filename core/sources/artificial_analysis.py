"""Artificial Analysis: the intelligence index, output speed and blended price of each model."""

from __future__ import annotations

import json
from typing import Any

from core.sources.found import BoardFound, BoardRow, FormatError

SLUG = "artificial-analysis"
SOURCE = "artificial-analysis-api"
INDEX = "artificial_analysis_intelligence_index"


def parse_models(body: bytes) -> BoardFound:
    """Return the board from a models answer (`{data: [...]}`, legacy or tiered shape)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"malformed JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise FormatError("expected a JSON object with a `data` array of models")
    rows = [row for row in map(_row, data["data"]) if row is not None]
    if not rows:
        raise FormatError(f"none of the {len(data['data'])} models has an intelligence index")
    version = data.get("intelligence_index_version")
    return BoardFound(
        slug=SLUG,
        rows=rows,
        index_version=None if version is None else str(version),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _row(model: Any) -> BoardRow | None:
    if not isinstance(model, dict):
        return None
    name = model.get("name")
    evaluations = model.get("evaluations")
    if not isinstance(name, str) or not name.strip() or not isinstance(evaluations, dict):
        return None
    score = _number(evaluations.get(INDEX))
    if score is None:
        return None
    performance = model.get("performance")
    if not isinstance(performance, dict):
        performance = {}
    speed = _number(model.get("median_output_tokens_per_second"))
    if speed is None:
        speed = _number(performance.get("median_output_tokens_per_second"))
    price = _blended_price(model.get("pricing"))
    extra = {key: model[key] for key in ("id", "slug") if isinstance(model.get(key), str)}
    return BoardRow(
        model=" ".join(name.split()),
        score=round(score, 2),
        tokens_per_second=None if speed is None else round(speed),
        price_cents=None if price is None else round(price * 100),
        extra=extra,
    )


def _blended_price(pricing: Any) -> float | None:
    """Return US dollars per 1M tokens, blended 3 input to 1 output."""
    if not isinstance(pricing, dict):
        return None
    blended = _number(pricing.get("price_1m_blended_3_to_1"))
    if blended is not None:
        return blended
    given = _number(pricing.get("price_1m_input_tokens"))
    taken = _number(pricing.get("price_1m_output_tokens"))
    if given is None or taken is None:
        given, taken = _number(pricing.get("input")), _number(pricing.get("output"))
    if given is None or taken is None:
        return None
    return (3 * given + taken) / 4
