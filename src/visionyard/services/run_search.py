"""Finding runs: by status, model, dataset, tags, a text over name and note, and bounds on a metric or a
config value (``metric:val_acc>0.9``, ``param:optimizer.lr<=0.01``), newest first, one page at a time.

Status, model, dataset and tag go through indexes; the bounds read the JSON of the rows those leave with
each database's own JSON functions (a value that is not a number never passes a numeric bound).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from visionyard.common.errors import Invalid
from visionyard.db.models import Run, RunTag

BOUND = re.compile(r"^(metric|param):([A-Za-z0-9_\-/]+(?:\.[A-Za-z0-9_\-/]+)*)\s*(>=|<=|!=|=|>|<)\s*(.+)$")
COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "!=": operator.ne,
}


class BadFilter(Invalid):
    code = "bad_filter"


@dataclass(frozen=True)
class Bound:
    """``metric:NAME OP VALUE`` (the run's best value of NAME) or ``param:DOTTED.KEY OP VALUE`` (its config)."""

    source: str
    key: str
    op: str
    value: float | str

    @classmethod
    def parse(cls, text: str) -> Bound:
        found = BOUND.match(text.strip())
        if found is None:
            raise BadFilter(
                f"filter {text!r}: write metric:NAME OP VALUE or param:KEY OP VALUE, OP one of > >= < <= = !="
            )
        source, key, op, raw = found.groups()
        value: float | str
        try:
            value = float(raw)
        except ValueError:
            if op not in ("=", "!="):
                raise BadFilter(f"filter {text!r}: {op} needs a number, not {raw!r}") from None
            value = raw.strip()
        return cls(source, key, op, value)

    def clause(self) -> ColumnElement[bool]:
        column = Run.best_metrics if self.source == "metric" else Run.config
        path = (self.key,) if self.source == "metric" else tuple(self.key.split("."))
        if isinstance(self.value, str):
            return COMPARE[self.op]((column[path[0]] if len(path) == 1 else column[path]).as_string(), self.value)
        return COMPARE[self.op](json_number(column, path), self.value)


class json_number(FunctionElement[float]):
    """The number at a JSON path, or NULL where the value there is anything else (a string, a list, none),
    read by each database's own JSON functions: ``json_number(column, ("optimizer", "lr"))``."""

    type = Float()
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], path: tuple[str, ...]):
        super().__init__(column, literal(",".join(path)))


@compiles(json_number, "sqlite")
def _sqlite_number(element: json_number, compiler: SQLCompiler, **kw: Any) -> str:
    column, path = element.clauses
    keys = path.value.split(",")
    where = compiler.process(literal("$" + "".join(f'."{key}"' for key in keys)), **kw)
    of = compiler.process(column, **kw)
    return f"CASE WHEN json_type({of}, {where}) IN ('integer', 'real') THEN json_extract({of}, {where}) END"


@compiles(json_number, "postgresql")
def _postgresql_number(element: json_number, compiler: SQLCompiler, **kw: Any) -> str:
    column, path = element.clauses
    where = compiler.process(literal("{" + path.value + "}"), **kw)
    of = compiler.process(column, **kw)
    return (
        f"CASE WHEN json_typeof({of} #> CAST({where} AS TEXT[])) = 'number' "
        f"THEN CAST({of} #>> CAST({where} AS TEXT[]) AS DOUBLE PRECISION) END"
    )


@dataclass(frozen=True)
class RunFilter:
    statuses: list[str] = field(default_factory=list)
    model: str | None = None
    dataset: str | None = None
    sweep: str | None = None
    """The trials of this sweep."""
    tags: list[str] = field(default_factory=list)
    """Runs with every one of these tags."""
    text: str | None = None
    """Found in the id, the name or the note, any case."""
    bounds: list[Bound] = field(default_factory=list)

    @classmethod
    def of(cls, *, where: list[str] | None = None, **given: Any) -> RunFilter:
        return cls(**{k: v for k, v in given.items() if v is not None}, bounds=[Bound.parse(w) for w in where or []])

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [bound.clause() for bound in self.bounds]
        if self.statuses:
            found.append(Run.status.in_(self.statuses))
        if self.model:
            found.append(Run.model == self.model)
        if self.dataset:
            found.append(Run.dataset == self.dataset)
        if self.sweep:
            found.append(Run.sweep_id == self.sweep)
        found.extend(Run.id.in_(select(RunTag.run_id).where(RunTag.tag == tag)) for tag in self.tags)
        if self.text:
            found.append(
                or_(*(column.icontains(self.text, autoescape=True) for column in (Run.id, Run.name, Run.note)))
            )
        return found


def find_runs(session: Session, where: RunFilter, limit: int, offset: int) -> tuple[list[Run], int]:
    """One page of the runs that pass, newest first, and how many pass in all."""
    query = select(Run).options(defer(Run.config)).where(*where.clauses())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Run.created_at.desc(), Run.id.desc()).limit(limit).offset(offset))
    return list(rows), total
