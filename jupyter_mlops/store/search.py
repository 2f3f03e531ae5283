"""Run search: filters, conditions on params/metrics, sorting, keyset pages, change polling.

Pages are keyset-paginated: the cursor carries the sort value and run id of the last row,
so page N costs the same as page 1 (no OFFSET scans). Polling uses the runs'
``updated_ms``: ``since`` returns what changed at or after that instant (a client merges by
run id, so a change seen twice is harmless and none is missed).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, String, and_, case, cast, exists, func, or_, select
from sqlalchemy.sql import ColumnElement, Select

from . import schema as s
from .errors import InvalidInput

MAX_LIMIT = 500
STATUSES = ("running", "finished", "failed", "interrupted", "crashed")
RUN_COLUMNS = {
    "run_id": s.runs.c.run_id,
    "name": s.runs.c.name,
    "experiment": s.runs.c.experiment,
    "notebook": s.runs.c.notebook,
    "status": s.runs.c.status,
    "user": s.runs.c.user,
    "started": s.runs.c.started_ms,
    "ended": s.runs.c.ended_ms,
    "duration": s.runs.c.ended_ms - s.runs.c.started_ms,
}
# Two-character operators first, so ">=" is not read as ">" followed by "=...".
_OPERATOR = re.compile(r">=|<=|!=|=|>|<")
_KINDS = ("metrics", "params", "tags")
MAX_CONDITIONS = 50  # tag and filter conditions in one search (each is an EXISTS subquery)
_MAX_SINCE_DIGITS = 15  # epoch milliseconds have 13 digits until the year 2286
_MAX_CURSOR = 2048
_INT64 = 2**63
_NUMBER_RE = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
_OPERATORS = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}


@dataclass
class RunSearch:
    experiment: str | None = None
    notebook: str | None = None
    status: str | None = None
    user: str | None = None
    tags: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    text: str | None = None
    sort: str = "-started"
    limit: int | None = None
    cursor: str | None = None
    since: str | None = None
    include_deleted: bool = False

    def validate(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInput(f"unknown status {self.status!r}: use one of {', '.join(STATUSES)}")
        if self.limit is not None and (isinstance(self.limit, bool) or not isinstance(
                self.limit, int) or not 1 <= self.limit <= MAX_LIMIT):
            raise InvalidInput(f"limit must be an integer from 1 to {MAX_LIMIT}, "
                               f"got {self.limit!r}")
        sort_clause(self.sort)
        if len(self.tags) + len(self.conditions) > MAX_CONDITIONS:
            raise InvalidInput(f"at most {MAX_CONDITIONS} tag and filter conditions per search")
        for condition in self.conditions:
            parse_condition(condition)
        if self.cursor is not None:
            decode_cursor(self.cursor)
        if self.since is not None:
            since_ms(self.since)


def sort_clause(sort: str) -> tuple[Any, Any, ColumnElement]:
    """``-started``, ``name``, ``metrics.accuracy``, ``params.C`` → (order by, join, column)."""
    if not isinstance(sort, str) or not sort.lstrip("-") or sort.startswith("--"):
        raise InvalidInput(f"unknown sort key {sort!r}")
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    join = None
    if key in RUN_COLUMNS:
        column = RUN_COLUMNS[key]
    elif key.startswith(("metrics.", "params.", "tags.")) and key.split(".", 1)[1]:
        kind, name = key.split(".", 1)
        table = {"metrics": s.latest_metrics, "params": s.params, "tags": s.tags}[kind].alias(
            "sort_by")
        join = (table, and_(table.c.run_id == s.runs.c.run_id, table.c.key == name))
        column = table.c.value
    else:
        allowed = ", ".join(sorted(RUN_COLUMNS))
        raise InvalidInput(
            f"unknown sort key {sort!r}: use one of {allowed}, metrics.NAME, params.NAME or "
            "tags.NAME "
            "(prefix with - for descending)")
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return order, join, column


def parse_condition(text: str) -> tuple[str, str, str, str]:
    """``metrics.accuracy >= 0.9`` → (kind, key, operator, value). One left-to-right scan
    for the first operator, so the cost is linear in the filter's length whatever it holds
    (a regex with a lazy key and optional spaces backtracks quadratically)."""
    kind, _, rest = text.strip().partition(".") if isinstance(text, str) else ("", "", "")
    match = _OPERATOR.search(rest, 1) if kind in _KINDS else None
    key = rest[:match.start()].rstrip() if match else ""
    if not key:
        raise InvalidInput(f"malformed filter {_clip(text)}: write it like metrics.accuracy>0.9, "
                           "params.C=1.0 or tags.team=risk (operators = != > >= < <=)")
    op, value = match.group(), rest[match.end():].lstrip()
    if kind == "metrics" and _number(value) is None:
        raise InvalidInput(f"filter {_clip(text)}: a metric is compared with a number")
    if kind == "tags" and op not in ("=", "!="):
        raise InvalidInput(f"filter {_clip(text)}: tags are compared with = or !=")
    return kind, key, op, value


def _clip(text: Any) -> str:
    """A value quoted in an error message, cut so a huge input makes a short message."""
    shown = repr(text)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _number(text: str) -> float | None:
    """A finite number written in ASCII (``float`` also takes other scripts' digits)."""
    if not text.isascii():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _numeric(column: Any, dialect: str) -> Any:
    """A text column as a number where it holds one, else NULL (never a cast error)."""
    if dialect == "postgresql":
        looks_numeric = column.op("~", is_comparison=True)(_NUMBER_RE)
    else:
        looks_numeric = and_(column.op("GLOB", is_comparison=True)("*[0-9]*"),
                             column.op("NOT GLOB", is_comparison=True)("*[^0-9.eE+-]*"))
    return case((looks_numeric, cast(column, Float)), else_=None)


def _condition_clause(text: str, dialect: str) -> Any:
    kind, key, op, value = parse_condition(text)
    compare = _OPERATORS[op]
    table = {"metrics": s.latest_metrics, "params": s.params, "tags": s.tags}[kind].alias()
    number = _number(value)
    if kind == "metrics":
        test = compare(table.c.value, number)
    elif kind == "params" and number is not None:
        test = compare(_numeric(table.c.value, dialect), number)
        if op in ("=", "!="):
            test = or_(test, compare(table.c.value, value)) if op == "=" else and_(
                test, compare(table.c.value, value))
    else:
        test = compare(table.c.value, value)
    return exists().where(table.c.run_id == s.runs.c.run_id, table.c.key == key, test)


def _tag_clause(text: str) -> Any:
    key, has_value, value = text.partition("=")
    if not key:
        raise InvalidInput(f"malformed tag filter {text!r}: use KEY or KEY=VALUE")
    t = s.tags.alias()
    test = [t.c.run_id == s.runs.c.run_id, t.c.key == key]
    if has_value:
        test.append(t.c.value == value)
    return exists().where(*test)


def encode_cursor(value: Any, run_id: str) -> str:
    raw = json.dumps([value, run_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[Any, str]:
    """The (sort value, run id) a page ended on; anything else is refused here, before it can
    reach the database (a huge number or a lone surrogate would fail there)."""
    try:
        if len(text) > _MAX_CURSOR or not text.isascii():
            raise ValueError
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value, run_id = json.loads(raw)
        if not (isinstance(run_id, str) and run_id.isascii() and run_id.isalnum()
                and len(run_id) <= 32 and _plain_sort_value(value)):
            raise ValueError
        return value, run_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidInput(f"malformed cursor {_clip(text)}: pass next_cursor from an "
                           "earlier page unchanged") from None


def _plain_sort_value(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return is_unicode(value)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return isinstance(value, float) and math.isfinite(value)


def is_unicode(text: str) -> bool:
    """False for text holding a lone surrogate (JSON's ``"\\ud800"``), which no database
    can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def since_ms(text: str) -> int:
    """A change cursor: plain ASCII digits (``str.isdigit`` also takes ``١٢٣`` and ``²``)."""
    if not (text.isascii() and text.isdigit() and len(text) <= _MAX_SINCE_DIGITS):
        raise InvalidInput(f"malformed since {_clip(text)}: pass change_cursor from an earlier "
                           "answer unchanged")
    return int(text)


def _after(column: ColumnElement, descending: bool, value: Any, run_id: str) -> Any:
    """Rows that come after (value, run_id) in ORDER BY column [DESC] NULLS LAST, run_id DESC."""
    r = s.runs.c
    if value is None:
        return and_(column.is_(None), r.run_id < run_id)
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, r.run_id < run_id), column.is_(None))


def _criteria(search: RunSearch, status_col: Any, dialect: str) -> list[Any]:
    """The WHERE clauses of a search's filters (not of its page or change cursor)."""
    r = s.runs.c
    clauses = [RUN_COLUMNS[name] == value
               for name, value in (("experiment", search.experiment),
                                   ("notebook", search.notebook), ("user", search.user))
               if value is not None]
    if search.status is not None:
        clauses.append(status_col == search.status)
    clauses += [_tag_clause(tag) for tag in search.tags]
    clauses += [_condition_clause(condition, dialect) for condition in search.conditions]
    if search.text:
        pattern = "%" + re.sub(r"([%_\\])", r"\\\1", search.text) + "%"
        clauses.append(or_(r.name.ilike(pattern, escape="\\"),
                           r.notes.ilike(pattern, escape="\\")))
    if search.since is None and not search.include_deleted:
        clauses.append(r.deleted_ms.is_(None))
    return clauses


def count_query(search: RunSearch, status_col: Any, dialect: str) -> Select:
    """How many runs match a search's filters, over all its pages."""
    search.validate()
    return select(func.count()).select_from(s.runs).where(
        *_criteria(search, status_col, dialect))


def build_query(search: RunSearch, status_col: Any, dialect: str) -> Select:
    """The SELECT for one page of runs sorted by a run column, or for one batch of changes
    when ``since`` is set. A page's rows carry their sort value as ``_sort``, from which the
    next cursor is made. Sorts by a metric, param or tag go through ``page_queries``."""
    search.validate()
    r = s.runs.c
    query = select(*[c for c in s.runs.c if c.name != "status"], status_col).where(
        *_criteria(search, status_col, dialect))
    if search.since is not None:
        changed = query.where(r.updated_ms >= since_ms(search.since))
        return changed.order_by(r.updated_ms, r.run_id).limit(search.limit or 100)
    order, join, column = sort_clause(search.sort)
    if join is not None:
        query = query.select_from(s.runs.outerjoin(*join))
    if search.cursor is not None:
        value, run_id = _cursor_for(search, column)
        query = query.where(_after(column, search.sort.startswith("-"), value, run_id))
    query = query.add_columns(column.label("_sort")).order_by(order, r.run_id.desc())
    return query.limit(search.limit)


def page_queries(search: RunSearch, status_col: Any, dialect: str) -> list[Select]:
    """The SELECTs whose rows, concatenated up to ``limit``, are one page (the same rows
    and order as ``build_query``). A sort by a metric, param or tag is split in two: runs
    holding a value, walked in the (key, value, run_id) index and stopped at LIMIT, then
    runs without one by run id, so no plan sorts every run (a scan and a temp B-tree)."""
    search.validate()
    _, join, column = sort_clause(search.sort)
    if join is None or search.since is not None:
        return [build_query(search, status_col, dialect)]
    r = s.runs.c
    descending = search.sort.startswith("-")
    base = select(*[c for c in s.runs.c if c.name != "status"], status_col,
                  column.label("_sort")).where(*_criteria(search, status_col, dialect))
    value, run_id = _cursor_for(search, column) if search.cursor is not None else (0, None)
    missing = base.select_from(s.runs.outerjoin(*join)).where(column.is_(None))
    if value is None:  # the last page ended among the runs without a value
        return [missing.where(r.run_id < run_id).order_by(r.run_id.desc()).limit(search.limit)]
    valued = base.select_from(s.runs.join(*join)).where(column.is_not(None))
    if run_id is not None:
        valued = valued.where(or_(column < value if descending else column > value,
                                  and_(column == value, r.run_id < run_id)))
    valued = valued.order_by(column.desc() if descending else column.asc(),
                             join[0].c.run_id.desc()).limit(search.limit)
    return [valued, missing.order_by(r.run_id.desc()).limit(search.limit)]


def _cursor_for(search: RunSearch, column: ColumnElement) -> tuple[Any, str]:
    value, run_id = decode_cursor(search.cursor)
    if value is not None and isinstance(value, str) != isinstance(column.type, String):
        # PostgreSQL refuses to compare a number column with text (and vice versa).
        raise InvalidInput(f"malformed cursor {_clip(search.cursor)}: it was made for "
                           "another sort key; pass next_cursor with the same sort")
    return value, run_id
