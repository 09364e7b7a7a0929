"""Reads whose queryset is built and compiled once per thread and shape, then only run.

Building a queryset of several subqueries and compiling it to SQL costs milliseconds of
Python on every request, more than the database takes to answer it. For a page that asks
the same question of every visitor, :class:`PreparedRead` builds the queryset twice with
made-up ("probe") values, compiles both, and keeps the SQL with a recipe for its
parameters: the positions where the two probes differ are the visitor's ids and moments.
Later calls fill those positions in and run the SQL, reading rows into instances as the
ORM would (converters, ``select_related``, annotations).

A position whose probe values cannot be told apart as an id or a moment shifted by a fixed
interval (some other value worked out from an input) makes the read unpreparable: it
then runs through the ORM on every call, which is slower but never wrong.

``shape`` is the caller's promise: everything but ids and moments that changes the SQL
(a role that widens a filter, a flag worked out from an id) is in it. The lengths of
lists and which foreign keys of an instance are empty are added to it here.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

R = TypeVar("R")

# Probe ids: far above any real id yet within a 32-bit integer column, a thousand apart
# from one input to the next and two apart between the ids of one input.
_PROBE_ID_BASE = (1_900_000_001, 1_950_000_003)
_PROBE_MOMENTS = (
    datetime(2003, 4, 5, 6, 7, 8, 123457, tzinfo=UTC),
    datetime(2011, 9, 10, 11, 12, 13, 654321, tzinfo=UTC),
)


@dataclass(frozen=True)
class _Constant:
    value: Any


@dataclass(frozen=True)
class _Id:
    name: str
    attname: str


@dataclass(frozen=True)
class _Element:
    name: str
    index: int


@dataclass(frozen=True)
class _Moment:
    name: str
    offset: timedelta


_Param = _Constant | _Id | _Element | _Moment


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[_Param, ...]
    # Compiled from a probe: what it knows of the rows (columns, converters, related
    # models, annotations) is the same whatever the parameters.
    compiler: SQLCompiler
    # Model instances, or the tuples of values_list().
    models: bool


class _Unpreparable:
    """The read runs through the ORM every time (see the module's docstring)."""


_UNPREPARABLE = _Unpreparable()


class PreparedRead(Generic[R]):
    """``build(**values)`` as a list of instances (or of ``values_list()`` tuples),
    compiled once per thread and shape.

    Each value is a model instance (its pk and foreign keys are the ids that vary), an
    int id, a list of int ids (its length is part of the shape), or an aware datetime.
    Any other attribute the queryset reads from a model instance must be covered by the
    ``shape`` given to :meth:`list`.
    """

    def __init__(self, build: Callable[..., QuerySet[Any, R]]) -> None:
        self.build = build
        self._local = threading.local()

    def list(self, *, shape: Hashable, **values: Any) -> list[R]:
        statements: dict[Hashable, _Statement | _Unpreparable] | None = getattr(
            self._local, "statements", None
        )
        if statements is None:
            statements = self._local.statements = {}
        if not _ids_in_range(values):
            return list(self.build(**values))
        shape = (shape, _variant(values))
        statement = statements.get(shape)
        if statement is None:
            statement = statements[shape] = self._prepare(values)
        if isinstance(statement, _Unpreparable):
            return list(self.build(**values))
        return _run(statement, values)

    def is_prepared(self, *, shape: Hashable) -> bool:
        """Whether calls of this shape on this thread run the kept SQL (for tests)."""
        statements = getattr(self._local, "statements", {})
        return any(
            isinstance(statement, _Statement)
            for (kept, _), statement in statements.items()
            if kept == shape
        )

    def _prepare(self, values: dict[str, Any]) -> _Statement | _Unpreparable:
        compiled = []
        for probe in (0, 1):
            # Whatever fails here (a build that reads a probe's row, a query that compiles
            # to nothing, such as an empty list of ids) runs through the ORM instead, which
            # answers it, or says what is wrong.
            try:
                queryset = self.build(**_probe_values(values, probe))
                if (
                    queryset._iterable_class not in (ModelIterable, ValuesListIterable)
                    or queryset._prefetch_related_lookups  # type: ignore[attr-defined]
                    or queryset._known_related_objects  # type: ignore[attr-defined]
                ):
                    return _UNPREPARABLE
                compiler = queryset.query.get_compiler(using=queryset.db)
                sql, params = compiler.as_sql()
            except Exception:
                return _UNPREPARABLE
            compiled.append((compiler, sql, tuple(params)))
        (compiler, sql, first), (_, other_sql, second) = compiled
        if sql != other_sql or len(first) != len(second):
            return _UNPREPARABLE
        recipe: list[_Param] = []
        for a, b in zip(first, second, strict=True):
            param = _Constant(a) if a == b else _recognise(a, b, values, compiler)
            if param is None:
                return _UNPREPARABLE
            recipe.append(param)
        return _Statement(
            sql=sql,
            params=tuple(recipe),
            compiler=compiler,
            models=queryset._iterable_class is ModelIterable,
        )


def _probe_values(values: dict[str, Any], probe: int) -> dict[str, Any]:
    probed: dict[str, Any] = {}
    for index, (name, value) in enumerate(values.items()):
        if isinstance(value, Model):
            instance = copy.copy(value)
            for offset, attname in enumerate(_id_attnames(value.__class__)):
                # An empty foreign key stays empty: it is compared with IS NULL, not a value.
                if getattr(value, attname) is not None:
                    setattr(instance, attname, _probe_id(probe, index, offset))
            probed[name] = instance
        elif isinstance(value, datetime):
            probed[name] = _probe_moment(probe, index)
        elif isinstance(value, int) and not isinstance(value, bool):
            probed[name] = _probe_id(probe, index, 0)
        elif isinstance(value, list | tuple) and all(isinstance(item, int) for item in value):
            probed[name] = [_probe_id(probe, index, offset) for offset in range(len(value))]
        else:
            raise TypeError(f"PreparedRead: {name} is neither a model instance, an id nor a moment")
    return probed


# An id beyond 64 bits (from a URL, say) matches no row: the ORM knows without asking the
# database, which may refuse the number (SQLite does), so such a call goes through it.
_ID_RANGE = range(-(2**63), 2**63)


def _ids_in_range(values: dict[str, Any]) -> bool:
    for value in values.values():
        if isinstance(value, Model):
            ids = [getattr(value, attname) for attname in _id_attnames(value.__class__)]
        elif isinstance(value, list | tuple):
            ids = list(value)
        elif isinstance(value, int):
            ids = [value]
        else:
            continue
        if any(isinstance(id_, int) and id_ not in _ID_RANGE for id_ in ids):
            return False
    return True


def _variant(values: dict[str, Any]) -> tuple[object, ...]:
    """What changes the SQL besides the caller's shape: each list's length, and which ids
    of each model instance are empty."""
    return tuple(
        len(value)
        if isinstance(value, list | tuple)
        else tuple(getattr(value, attname) is None for attname in _id_attnames(value.__class__))
        for value in values.values()
        if isinstance(value, list | tuple | Model)
    )


def _probe_id(probe: int, index: int, offset: int) -> int:
    return _PROBE_ID_BASE[probe] + 1_000 * index + 2 * offset


def _probe_moment(probe: int, index: int) -> datetime:
    # The probes of each moment are a different number of days apart, so that a parameter
    # worked out from one moment is never taken for another's.
    return _PROBE_MOMENTS[probe] + timedelta(days=17 * index * (probe + 1))


@cache
def _id_attnames(model: type[Model]) -> tuple[str, ...]:
    """The pk and each foreign key of a model: what differs between two people of the
    same shape. Callers pass ``value.__class__``: ``request.user`` is a lazy object whose
    ``__class__`` is the model's, but whose ``type()`` is not."""
    meta = model._meta
    return (
        meta.pk.attname,
        *(
            field.attname
            for field in meta.concrete_fields
            if field.is_relation and field.many_to_one and field.attname != meta.pk.attname
        ),
    )


def _recognise(
    first: Any, second: Any, values: dict[str, Any], compiler: SQLCompiler
) -> _Param | None:
    """The input a parameter comes from, checked against both probes; None if none."""
    for index, (name, value) in enumerate(values.items()):
        if isinstance(value, Model):
            for offset, attname in enumerate(_id_attnames(value.__class__)):
                if (first, second) == (_probe_id(0, index, offset), _probe_id(1, index, offset)):
                    return _Id(name, attname)
        elif isinstance(value, datetime):
            probes = [_probe_moment(probe, index) for probe in (0, 1)]
            moment = _Moment(name, _offset(first, probes[0], compiler))
            adapt = compiler.connection.ops.adapt_datetimefield_value
            if [adapt(probe + moment.offset) for probe in probes] == [first, second]:
                return moment
        elif isinstance(value, int) and (first, second) == (
            _probe_id(0, index, 0),
            _probe_id(1, index, 0),
        ):
            return _Id(name, "")
        elif isinstance(value, list | tuple):
            for offset in range(len(value)):
                if (first, second) == (_probe_id(0, index, offset), _probe_id(1, index, offset)):
                    return _Element(name, offset)
    return None


def _offset(param: Any, probe: datetime, compiler: SQLCompiler) -> timedelta:
    """How far a datetime parameter is from the probe moment (SQLite passes it as text)."""
    if isinstance(param, str):
        try:
            param = datetime.fromisoformat(param)
        except ValueError:
            return timedelta(0)
    if not isinstance(param, datetime):
        return timedelta(0)
    if timezone.is_naive(param):
        param = timezone.make_aware(param, compiler.connection.timezone)
    return param - probe


def _param(recipe: _Param, values: dict[str, Any], compiler: SQLCompiler) -> Any:
    if isinstance(recipe, _Constant):
        return recipe.value
    value = values[recipe.name]
    if isinstance(recipe, _Id):
        return getattr(value, recipe.attname) if recipe.attname else value
    if isinstance(recipe, _Element):
        return value[recipe.index]
    return compiler.connection.ops.adapt_datetimefield_value(value + recipe.offset)


def _run(statement: _Statement, values: dict[str, Any]) -> list[Any]:
    compiler = statement.compiler
    params = [_param(recipe, values, compiler) for recipe in statement.params]
    with compiler.connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    if not statement.models:
        return list(compiler.results_iter([rows], tuple_expected=True))
    db = compiler.using
    model_cls = compiler.klass_info["model"]
    select, klass_info = compiler.select, compiler.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    instances = []
    for row in compiler.results_iter([rows]):
        instance = model_cls.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        for name, position in compiler.annotation_col_map.items():
            setattr(instance, name, row[position])
        instances.append(instance)
    return instances
