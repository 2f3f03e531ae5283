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
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, Column, String, and_, cast, func, or_, select
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from . import schema as s
from .errors import InvalidInput
from .records import param_number

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
GROUP_COLUMNS = ("experiment", "notebook", "user", "status")
_OPERATOR = re.compile(r">=|<=|!=|=|>|<")
_KINDS = ("metrics", "params", "tags")
MAX_CONDITIONS = 50  # tag and filter conditions in one search (each is an IN subquery)
_MAX_SINCE_DIGITS = 15  # epoch milliseconds have 13 digits until the year 2286
_MAX_CURSOR = 2048
_INT64 = 2**63
_OPERATORS = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}


# Built once: an alias costs more to make (column proxies, foreign keys) than the query.
_SORT_TABLES = {kind: table.alias("sort_by") for kind, table in (
    ("metrics", s.latest_metrics), ("params", s.params), ("tags", s.tags))}
# Relative costs (SQLite, measured) of the three ways to find a filtered page: fetch each
# matching run by id and sort them; walk the sort's index probing a set of the matching
# ids built first (one filter); walk it looking each run's value up (a correlated EXISTS).
_FETCH_COST, _SET_COST, _LOOKUP_COST = 5.0, 0.3, 1.5
PLANS = ("fetch", "probe", "lookup")  # and "range" where ``_started_range`` applies
WINDOW = 10_000  # index entries a PostgreSQL probing walk hash-joins (``_windowed``)


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
    # One group of a grouping (``group_query``): the runs whose ``group`` key has
    # ``group_value``, or, with ``group_missing``, the runs without one.
    group: str | None = None
    group_value: str | None = None
    group_missing: bool = False

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
        if self.group is not None:
            group_key(self.group)
            if (self.group_value is None) == (not self.group_missing):
                raise InvalidInput("a group is chosen by group_value or group_missing=true, "
                                   "not both or neither")
        elif self.group_value is not None or self.group_missing:
            raise InvalidInput("group_value and group_missing need group: the key grouped by")


def group_key(key: Any) -> tuple[str, str | None]:
    """``experiment`` → ("experiment", None); ``params.C`` → ("params", "C"). Metrics are
    not grouped by: nearly every run has its own value."""
    if key in GROUP_COLUMNS:
        return key, None
    kind, _, name = key.partition(".") if isinstance(key, str) else ("", "", "")
    if kind in ("params", "tags") and name:
        return kind, name
    raise InvalidInput(f"cannot group by {_clip(key)}: use one of {', '.join(GROUP_COLUMNS)}, "
                       "params.NAME or tags.NAME")


def _group_value(kind: str, name: str | None, status_col: Any) -> tuple[Any, Any]:
    """The value a run is grouped by, and the join that brings it (None for a run column)."""
    if name is None:
        return (status_col if kind == "status" else RUN_COLUMNS[kind]), None
    table = _SORT_TABLES[kind]
    return table.c.value, (table, and_(table.c.run_id == s.runs.c.run_id, table.c.key == name))


def _in_group(search: RunSearch, status_col: Any) -> Any:
    """The WHERE clause of ``search``'s one group."""
    kind, name = group_key(search.group)
    if name is None:
        column = _group_value(kind, name, status_col)[0]
        return column.is_(None) if search.group_missing else column == search.group_value
    table = {"params": s.params, "tags": s.tags}[kind].c
    holders = select(table.run_id).where(table.key == name)
    if search.group_missing:
        return s.runs.c.run_id.not_in(holders)
    return s.runs.c.run_id.in_(holders.where(table.value == search.group_value))


def group_query(search: RunSearch, key: str, status_col: Any, dialect: str,
                limit: int) -> Select:
    """The ``limit`` values of ``key`` with the most runs matching ``search`` (NULL: the
    runs without one), each with its count and the count of all matches (a window over
    every group, so a param with 100,000 values still sends back only ``limit`` rows):
    one GROUP BY over the matches."""
    search.validate()
    value, join = _group_value(*group_key(key), status_col)
    count = func.count()
    query = select(value.label("value"), count.label("count"),
                   func.sum(count).over().label("total")
                   ).where(*_criteria(search, status_col, dialect))
    if join is not None:
        query = query.select_from(s.runs.outerjoin(*join))
    return (query.group_by(value).order_by(count.desc(), value.asc().nulls_last())
            .limit(limit))


def sort_clause(sort: str) -> tuple[Any, Any, ColumnElement]:
    """``-started``, ``name``, ``metrics.accuracy``, ``params.C`` → (order by, join, column)."""
    if not isinstance(sort, str) or not sort.lstrip("-") or sort.startswith("--"):
        raise InvalidInput(f"unknown sort key {sort!r}")
    return _sort_clause(sort)


# A search's clauses are built several times for one page (its total, its plan, its page),
# and SQLAlchemy expressions are immutable: the few sort keys and filters in use are built
# once (a page's statements cost a third less to build).
@lru_cache(maxsize=256)
def _sort_clause(sort: str) -> tuple[Any, Any, ColumnElement]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    join = None
    if key in RUN_COLUMNS:
        column = RUN_COLUMNS[key]
    elif key.startswith(("metrics.", "params.", "tags.")) and key.split(".", 1)[1]:
        kind, name = key.split(".", 1)
        table = _SORT_TABLES[kind]
        join = (table, and_(table.c.run_id == s.runs.c.run_id, table.c.key == name))
        column = table.c.value
    else:
        allowed = ", ".join(sorted(RUN_COLUMNS))
        raise InvalidInput(
            f"unknown sort key {sort!r}: use one of {allowed}, metrics.NAME, params.NAME or "
            "tags.NAME "
            "(prefix with - for descending)")
    order = column.desc() if descending else column.asc()
    if not (isinstance(column, Column) and column.table is s.runs and not column.nullable):
        order = order.nulls_last()  # not on a NOT NULL column, so an index can serve it
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
    if kind == "metrics" and param_number(value) is None:
        raise InvalidInput(f"filter {_clip(text)}: a metric is compared with a number")
    if kind == "tags" and op not in ("=", "!="):
        raise InvalidInput(f"filter {_clip(text)}: tags are compared with = or !=")
    return kind, key, op, value


def _clip(text: Any) -> str:
    """A value quoted in an error message, cut so a huge input makes a short message."""
    shown = repr(text)
    return shown if len(shown) <= 80 else shown[:77] + "..."


@lru_cache(maxsize=256)
def _condition_runs(text: str) -> Select:
    """The ids of the runs a filter such as ``params.C = 1`` matches: one range of the
    (key, value, run_id) or (key, value_num, run_id) index, never a test per run. A param
    compared with a number is compared as a number (``value_num``, NULL where the text is
    not one); ``=`` on its text is implied, since equal text reads as the equal number."""
    kind, key, op, value = parse_condition(text)
    compare = _OPERATORS[op]
    table = {"metrics": s.latest_metrics, "params": s.params, "tags": s.tags}[kind]
    number = param_number(value)
    if kind == "metrics":
        test = compare(table.c.value, number)
    elif kind == "params" and number is not None:
        test = compare(table.c.value_num, number)
    else:
        test = compare(table.c.value, value)
    return select(table.c.run_id).where(table.c.key == key, test)


def _tag_runs(text: str) -> Select:
    key, has_value, value = text.partition("=")
    if not key:
        raise InvalidInput(f"malformed tag filter {text!r}: use KEY or KEY=VALUE")
    t = s.tags.c
    return select(t.run_id).where(t.key == key, *([t.value == value] if has_value else []))


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


def _after(column: ColumnElement, descending: bool, value: Any, run_id: Any,
           ids: Any = s.runs.c.run_id) -> Any:
    """Rows that come after (value, run_id) in ORDER BY column [DESC] NULLS LAST, run_id DESC."""
    if value is None:
        return and_(column.is_(None), ids < run_id)
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, ids < run_id), column.is_(None))


def _criteria(search: RunSearch, status_col: Any, dialect: str,
              ids: Any = s.runs.c.run_id, plan: str = "fetch") -> list[Any]:
    """The WHERE clauses of a search's filters (not of its page or change cursor); its
    param/metric/tag filters test ``ids`` in the way ``plan`` (``filter_plan``) says."""
    r = s.runs.c
    clauses = [RUN_COLUMNS[name] == value
               for name, value in (("experiment", search.experiment),
                                   ("notebook", search.notebook), ("user", search.user))
               if value is not None]
    if search.status is not None:
        clauses.append(status_col == search.status)
    for matching in _filter_runs(search):
        if plan == "lookup":
            clauses.append(matching.where(matching.selected_columns[0] == ids).exists())
        else:
            clauses.append((unindexed(ids, dialect) if plan == "probe" else ids).in_(matching))
    if search.text:
        pattern = "%" + re.sub(r"([%_\\])", r"\\\1", search.text) + "%"
        clauses.append(or_(r.name.ilike(pattern, escape="\\"),
                           r.notes.ilike(pattern, escape="\\")))
    if search.group is not None:
        clauses.append(_in_group(search, status_col))
    if search.since is None and not search.include_deleted:
        # Nearly every run is live: never a reason to pick the index of deleted runs.
        clauses.append(unindexed(r.deleted_ms, dialect).is_(None))
    return clauses


def unindexed(column: Any, dialect: str) -> Any:
    """``+column`` on SQLite: the same value, but a term SQLite's planner will not pick an
    index for (its documented way to steer a plan; PostgreSQL plans from statistics)."""
    if dialect != "sqlite":
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def _filter_runs(search: RunSearch) -> list[Select]:
    return [_tag_runs(tag) for tag in search.tags] + [
        _condition_runs(condition) for condition in search.conditions]


def filter_plan(search: RunSearch, matches: int, live: int) -> str:
    """How to find a filtered page, from how many runs match and how many are live: read
    the filter's own index in start order when it can (``range``); fetch the matches and
    sort them when they are few; else walk the sort's index, about
    limit x live / matches steps, probing a set of the matching ids (one filter) or
    looking each run's values up (when the set would be much larger than the walk)."""
    key = search.sort.lstrip("-")
    filters = len(search.tags) + len(search.conditions)
    if _started_range(search) is not None:
        return "range"
    if not filters or search.since is not None or not (
            key == "started" or key.startswith(("metrics.", "params.", "tags."))):
        return "fetch"
    steps = (search.limit or live) * live / max(matches, 1)
    costs = {"fetch": _FETCH_COST * matches, "lookup": _LOOKUP_COST * steps * filters}
    if filters == 1:
        costs["probe"] = _SET_COST * (matches + steps)
    return min(costs, key=costs.__getitem__)


def window(search: RunSearch, matches: int | None, live: int) -> int:
    """How many index entries ``_windowed`` takes: a quarter more than the walk a page is
    expected to need (limit x live / matches steps). A window short of a page is rare, and
    cheap: the walk past it stops as soon as the few missing rows are found."""
    steps = (search.limit or live) * live // max(matches or 0, 1)
    return max(steps + steps // 4, 1_000)


def _sum(column: Any) -> Any:
    """SUM as an integer (PostgreSQL's SUM of a bigint is a numeric), 0 over no rows."""
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def live_count() -> Select:
    """How many runs are not deleted (from ``run_counts``)."""
    n = s.run_counts.c
    return select(_sum(n.runs - n.deleted))


def count_query(search: RunSearch, status_col: Any, dialect: str) -> Select:
    """How many runs match a search's filters, over all its pages, exactly. Two shapes the
    views ask for most are answered from indexes without visiting the runs: no filter (or
    only an experiment) sums ``run_counts``; one param/metric/tag filter counts its index
    range and subtracts the deleted runs in it (their own index). Others count the runs."""
    search.validate()
    narrowed = (search.notebook, search.user, search.status, search.since, search.group)
    filters = _filter_runs(search)
    if any(v is not None for v in narrowed) or search.text:
        filters = None
    if filters == []:
        n = s.run_counts.c
        live = n.runs if search.include_deleted else n.runs - n.deleted
        totals = select(_sum(live))
        return totals if search.experiment is None else totals.where(
            n.experiment == search.experiment)
    if filters and len(filters) == 1 and search.experiment is None:
        matching = select(func.count()).select_from(filters[0].subquery())
        if search.include_deleted:
            return matching
        r = s.runs.c
        deleted_ids = select(r.run_id).where(r.deleted_ms.is_not(None))
        deleted = select(func.count()).select_from(filters[0].where(
            filters[0].selected_columns[0].in_(deleted_ids)).subquery())
        return select(matching.scalar_subquery() - deleted.scalar_subquery())
    return select(func.count()).select_from(s.runs).where(*_criteria(search, status_col, dialect))


def build_query(search: RunSearch, status_col: Any, dialect: str,
                plan: str = "fetch") -> Select:
    """The SELECT for one page of runs sorted by a run column, or for one batch of changes
    when ``since`` is set. A page's rows carry their sort value as ``_sort``, from which the
    next cursor is made. Sorts by a metric, param or tag go through ``page_queries``;
    ``plan`` is ``filter_plan``'s answer."""
    search.validate()
    r = s.runs.c
    query = select(*[c for c in s.runs.c if c.name != "status"], status_col).where(
        *_criteria(search, status_col, dialect, plan=plan))
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


def page_queries(search: RunSearch, status_col: Any, dialect: str,
                 plan: str = "fetch", window: int = WINDOW) -> list[Select]:
    """The SELECTs whose rows, concatenated up to ``limit``, are one page (the same rows
    and order as ``build_query``). A sort by a metric, param or tag is split in two: runs
    holding a value, walked in the (key, value, run_id) index and stopped at LIMIT, then
    runs without one by run id, so no plan sorts every run (a scan and a temp B-tree).
    ``plan`` (``filter_plan``) says whether a filter is tested during that walk or drives
    the plan by the ids it matches; on PostgreSQL a probing walk is ``_windowed``."""
    search.validate()
    _, join, column = sort_clause(search.sort)
    if plan == "range":
        return [_in_start_order(search, status_col, dialect)]
    if join is None or search.since is not None:
        query = build_query(search, status_col, dialect, plan)
        if (plan == "probe" and dialect == "postgresql" and search.since is None
                and column is s.runs.c.started_ms):
            return _windowed(search, status_col, query, s.runs, column, window)
        return [query]
    r = s.runs.c
    descending = search.sort.startswith("-")
    fields = [*[c for c in s.runs.c if c.name != "status"], status_col, column.label("_sort")]
    base = select(*fields).where(*_criteria(search, status_col, dialect))
    value, run_id = _cursor_for(search, column) if search.cursor is not None else (0, None)
    missing = base.select_from(s.runs.outerjoin(*join)).where(column.is_(None))
    if value is None:  # the last page ended among the runs without a value
        return [missing.where(r.run_id < run_id).order_by(r.run_id.desc()).limit(search.limit)]
    walk = plan != "fetch" or not _filter_runs(search)
    ids, on = (join[0].c.run_id, join[1]) if walk else (
        r.run_id, _by_run(join[0], search.sort, dialect))
    valued = select(*fields).select_from(s.runs.join(join[0], on)).where(
        column.is_not(None), *_criteria(search, status_col, dialect, ids, plan))
    if run_id is not None:
        valued = valued.where(or_(column < value if descending else column > value,
                                  and_(column == value, r.run_id < run_id)))
    # A filter matching few runs drives the plan: the index's order is not wanted then.
    ordered = column if walk else unindexed(column, dialect)
    valued = valued.order_by(ordered.desc() if descending else ordered.asc(),
                             join[0].c.run_id.desc()).limit(search.limit)
    missing = missing.order_by(r.run_id.desc()).limit(search.limit)
    if plan == "probe" and dialect == "postgresql":
        return [*_windowed(search, status_col, valued, join[0], column, window), missing]
    return [valued, missing]


def _started_range(search: RunSearch) -> list[Any] | None:
    """The WHERE clauses of a search's one filter when it is ``params.X = v``, the page is
    sorted by start and nothing else narrows it: one range of (key, value[_num], started_ms,
    run_id), already in the page's order (revision 0008). None for any other search (another
    criterion, an experiment say, could leave few of the range's runs to show, and the walk
    long: ``filter_plan``'s costs choose then)."""
    narrowed = (search.experiment, search.notebook, search.user, search.status, search.text,
                search.group, search.since)
    if (any(v is not None for v in narrowed) or search.tags or len(search.conditions) != 1
            or search.sort.lstrip("-") != "started"):
        return None
    kind, key, op, value = parse_condition(search.conditions[0])
    if kind != "params" or op != "=":
        return None
    p, number = s.params.c, param_number(value)
    return [p.key == key, p.value_num == number if number is not None else p.value == value]


def _in_start_order(search: RunSearch, status_col: Any, dialect: str) -> Select:
    """A page filtered by ``params.X = v`` and sorted by start: the filter's index range
    walked in start order, each entry's run read by id (and passed over if deleted),
    stopped at the page's end."""
    p, r = s.params.c, s.runs.c
    descending = search.sort.startswith("-")
    fields = [*[c for c in s.runs.c if c.name != "status"], status_col,
              p.started_ms.label("_sort")]
    query = select(*fields).select_from(s.params.join(s.runs, r.run_id == p.run_id)).where(
        *_started_range(search), *_criteria(replace(search, conditions=[]), status_col, dialect))
    if search.cursor is not None:
        value, run_id = _cursor_for(search, r.started_ms)
        # The first bound starts the index range at the cursor; the second orders ties.
        query = query.where(p.started_ms <= value if descending else p.started_ms >= value,
                            or_(p.started_ms < value if descending else p.started_ms > value,
                                and_(p.started_ms == value, p.run_id < run_id)))
    order = p.started_ms.desc() if descending else p.started_ms.asc()
    return query.order_by(order, p.run_id.desc()).limit(search.limit)


def _windowed(search: RunSearch, status_col: Any, walk: Select, table: Any,
              column: ColumnElement, window: int) -> list[Select]:
    """A probing walk as PostgreSQL can run it fast: its planner walks an index in order only
    through a nested loop (an index lookup of the filter per step, ~3 us), never probing a
    hash. So the first ``window`` entries of the sort's index (an index-only scan, stopped
    there) are hash-joined with the filter's matching ids and sorted; ``walk``, from the
    window's last entry on, follows only if the window held fewer than a page. Together
    they are exactly ``walk``'s rows: every match past the window sorts after the window."""
    descending = search.sort.startswith("-")
    ids = table.c.run_id
    sort = table.c.started_ms if table is s.runs else table.c.value
    entries = select(ids.label("run_id"), sort.label("v")).where(sort.is_not(None))
    if table is s.runs:
        if not search.include_deleted:
            entries = entries.where(s.runs.c.deleted_ms.is_(None))
    else:
        entries = entries.where(table.c.key == search.sort.lstrip("-").split(".", 1)[1])
    if search.cursor is not None:
        value, run_id = _cursor_for(search, column)
        entries = entries.where(_after(sort, descending, value, run_id, ids))
    entries = entries.order_by(sort.desc() if descending else sort.asc(), ids.desc())
    head = entries.limit(window).subquery("head")
    fields = [*[c for c in s.runs.c if c.name != "status"], status_col, head.c.v.label("_sort")]
    page = select(*fields).select_from(s.runs.join(head, head.c.run_id == s.runs.c.run_id)).where(
        *_criteria(search, status_col, "postgresql", head.c.run_id))
    page = page.order_by(head.c.v.desc() if descending else head.c.v.asc(),
                         head.c.run_id.desc()).limit(search.limit)
    last = entries.offset(window - 1).limit(1).subquery("last")
    value, run_id = select(last.c.v).scalar_subquery(), select(last.c.run_id).scalar_subquery()
    bound = column <= value if descending else column >= value  # where the index scan starts
    return [page, walk.where(bound, _after(column, descending, value, run_id))]


def _by_run(table: Any, sort: str, dialect: str) -> Any:
    """The sort key's join when the filter's few runs drive the plan: by run id only, so
    SQLite looks each run's value up instead of walking every value of the key."""
    name = sort.lstrip("-").split(".", 1)[1]
    return and_(table.c.run_id == s.runs.c.run_id, unindexed(table.c.key, dialect) == name)


def _cursor_for(search: RunSearch, column: ColumnElement) -> tuple[Any, str]:
    value, run_id = decode_cursor(search.cursor)
    if value is not None and isinstance(value, str) != isinstance(column.type, String):
        # PostgreSQL refuses to compare a number column with text (and vice versa).
        raise InvalidInput(f"malformed cursor {_clip(search.cursor)}: it was made for "
                           "another sort key; pass next_cursor with the same sort")
    return value, run_id
