"""The plan the store used before revision 0006, as the reference new plans must match and
benchmarks compare with: one ORDER BY over every run, an EXISTS per filter checked run by
run, the param's text read as a number in SQL, and ``total`` a count over ``runs``."""

from __future__ import annotations

from sqlalchemy import Float, and_, case, cast, exists, func, or_, select

from jupyter_mlops.store import schema as s


def _numeric(column, dialect):
    if dialect == "postgresql":
        looks_numeric = column.op("~", is_comparison=True)(
            r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
    else:
        looks_numeric = and_(column.op("GLOB", is_comparison=True)("*[0-9]*"),
                             column.op("NOT GLOB", is_comparison=True)("*[^0-9.eE+-]*"))
    return case((looks_numeric, cast(column, Float)), else_=None)


def old_filter(text, dialect):
    """The EXISTS the store used before revision 0006."""
    kind, rest = text.split(".", 1)
    for op in (">=", "<=", "!=", "=", ">", "<"):
        if op in rest:
            key, value = rest.split(op, 1)
            break
    compare = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b,
               ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
               "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}[op]
    table = {"metrics": s.latest_metrics, "params": s.params, "tags": s.tags}[kind].alias()
    try:
        number = float(value)
    except ValueError:
        number = None
    if kind == "metrics":
        test = compare(table.c.value, number)
    elif kind == "params" and number is not None:
        test = compare(_numeric(table.c.value, dialect), number)
        test = or_(test, compare(table.c.value, value)) if op == "=" else (
            and_(test, compare(table.c.value, value)) if op == "!=" else test)
    else:
        test = compare(table.c.value, value)
    return exists().where(table.c.run_id == s.runs.c.run_id, table.c.key == key, test)


def old_query(dialect, sort, conditions, limit=None):
    """(page, count) of the old plan."""
    r = s.runs.c
    key = sort.lstrip("-")
    where = [r.deleted_ms.is_(None), *[old_filter(c, dialect) for c in conditions]]
    query = select(r.run_id).where(*where)
    if key.startswith(("metrics.", "params.")):
        table = (s.latest_metrics if key.startswith("metrics.") else s.params).alias("o")
        query = query.select_from(s.runs.outerjoin(table, and_(
            table.c.run_id == r.run_id, table.c.key == key.split(".", 1)[1])))
        column = table.c.value
    else:
        column = {"started": r.started_ms, "name": r.name}[key]
    order = column.desc() if sort.startswith("-") else column.asc()
    count = select(func.count()).select_from(s.runs).where(*where)
    return query.order_by(order.nulls_last(), r.run_id.desc()).limit(limit), count


def old_ids(store, sort, conditions):
    page, _ = old_query(store.db.engine.dialect.name, sort, conditions)
    with store.db.read() as c:
        return list(c.execute(page).scalars())


