"""Loading the taxonomy (data/taxonomy.json) into the database (the holiday calendar is ``linli.core.calendar``).

Both loaders are idempotent and take the model classes as arguments, so a data migration can call them
with its historical models. Existing categories keep administrators' edits: a load adds missing
categories and new synonyms; ``reset=True`` overwrites every field from the file.
"""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def read_taxonomy(path: Path | None = None) -> dict:
    return json.loads((path or DATA / "taxonomy.json").read_text(encoding="utf-8"))


def load_taxonomy(category_model, *, path: Path | None = None, reset: bool = False) -> dict[str, int]:
    data = read_taxonomy(path)
    version = str(data.get("version", ""))
    counts = {"created": 0, "updated": 0}
    for i, top in enumerate(data["categories"]):
        parent = _upsert(category_model, top, None, version, i, reset, counts)
        for j, sub in enumerate(top.get("subcategories", [])):
            _upsert(category_model, sub, parent, version, j, reset, counts)
    return counts


def _upsert(model, row: dict, parent, version: str, order: int, reset: bool, counts: dict):
    fields = {
        "name": row["name"],
        "name_en": row.get("name_en", ""),
        "parent": parent,
        "handler_kind": row.get("handler", "") if parent is not None else "",
        "deadline_value": int(row.get("deadline") or 3),
        "deadline_unit": row.get("deadline_unit") or "days",
        "emergency": bool(row.get("emergency")),
        "urgency": "urgent"
        if row.get("emergency")
        or (row.get("deadline_unit") in ("hours", "clock") and int(row.get("deadline") or 99) <= 4)
        else "normal",
        "emergency_hint": _hint(row) if row.get("emergency") else "",
        "note": row.get("note", "")[:200],
        "synonyms": list(row.get("synonyms") or []),
        "version": version,
        "sort": order,
    }
    obj = model.objects.filter(code=row["code"]).first()
    if obj is None:
        obj = model.objects.create(code=row["code"], **fields)
        counts["created"] += 1
        return obj
    changed = []
    if reset:
        for key, value in fields.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
                changed.append(key)
    else:
        merged = list(obj.synonyms or []) + [s for s in fields["synonyms"] if s not in (obj.synonyms or [])]
        if merged != list(obj.synonyms or []):
            obj.synonyms = merged
            changed.append("synonyms")
    if changed:
        obj.save(update_fields=changed)
        counts["updated"] += 1
    return obj


def _hint(row: dict) -> str:
    name = row["name"]
    if "燃气" in name:
        return "如闻到燃气味，请立即离开现场并拨打燃气公司抢修电话或 119"
    if "疾病" in name or "紧急求助" in name:
        return "如有生命危险，请立即拨打 120"
    if "电梯" in name:
        return "如有人被困，请拨打电梯内的救援电话或 119"
    if "治安" in name or "盗窃" in name or "可疑" in name:
        return "如正在发生，请立即拨打 110"
    if "心理" in name:
        return "如有生命危险，请立即拨打 110 或 120"
    if "井盖" in name:
        return "如有敞口，请先设置警示，并拨打 12319 或 110"
    return "如情况紧急，请先拨打 110 / 119 / 120"


def ensure_seeded() -> None:
    """Load the taxonomy and 2026 calendar when missing (transactional tests flush data-migration rows)."""
    from linli.core import calendar
    from linli.events import caches
    from linli.events.models import Category

    if not Category.objects.exists():
        load_taxonomy(Category)
        caches.invalidate("taxonomy")
    calendar.ensure_holidays()
