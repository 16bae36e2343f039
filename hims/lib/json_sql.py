"""Related rows nested as JSON in one SELECT, on PostgreSQL and SQLite alike.

A page that shows each row with its children (a visit with its diagnoses and medicines) would
otherwise cost one query per kind of child. Here each kind is a correlated subquery that folds the
children into one JSON array, and `json_instance` turns each object back into a model instance
with the field types the ORM would give (datetimes, Decimals, booleans).

Django reads jsonb as text (it parses JSONField itself), so the values arrive as text on both
databases and are parsed here with Decimal for numbers: a reading of 37.5 stays 37.5.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.db.models import Aggregate, Func, Manager, OuterRef, QuerySet, Subquery, TextField
from django.db.models.base import ModelState

M = TypeVar("M", bound=models.Model)


class JSONFields(Func):
    """A JSON object of `name=expression` pairs: `JSONObject` with the names written into the
    SQL. `JSONObject` makes each name a parameter cast to text, three more expressions to
    resolve and compile per key; at some 40 keys a timeline query took longer to compile than
    to run. The names are identifiers from the code, never input."""

    function = "JSONB_BUILD_OBJECT"
    output_field = TextField()

    def __init__(self, **fields: Any) -> None:
        assert all(name.isidentifier() for name in fields)
        self.names = list(fields)
        super().__init__(*fields.values())

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> Any:
        pairs = []
        params: list[Any] = []
        for name, expression in zip(self.names, self.get_source_expressions(), strict=True):
            sql, values = compiler.compile(expression)
            pairs.append(f"'{name}', {sql}")
            params.extend(values)
        return f"{function or self.function}({', '.join(pairs)})", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSON_OBJECT", **extra)


class JSONArrayAgg(Aggregate):
    """The group's JSON values as one JSON array. `json()` keeps SQLite from quoting a nested
    object as a string. No ORDER BY inside the aggregate (SQLite has it only from 3.44): the
    caller sorts the few items of each group."""

    function = "JSONB_AGG"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="JSON_GROUP_ARRAY(JSON(%(expressions)s))", **extra
        )


class JSONRows(Func):
    """A subquery's JSON array, '[]' when it finds no group (no children)."""

    template = "COALESCE(%(expressions)s, '[]'::jsonb)"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="JSON(COALESCE(%(expressions)s, '[]'))", **extra
        )


def json_rows(queryset: QuerySet[Any] | Manager[Any], *, parent: str, **fields: Any) -> JSONRows:
    """The rows of `queryset` that belong to the outer row (`parent` is their foreign key to
    it), as a JSON array of objects with `fields` (name -> expression): one correlated subquery,
    usable as an annotation and nested inside another `json_rows`."""
    rows = (
        queryset.filter(**{parent: OuterRef("pk")})
        .order_by()
        .values(parent)
        .annotate(rows=JSONArrayAgg(JSONFields(**fields)))
        .values("rows")
    )
    return JSONRows(Subquery(rows))


def json_first(queryset: QuerySet[Any] | Manager[Any], *, parent: str, **fields: Any) -> Subquery:
    """The outer row's first row of the (ordered) `queryset` as a JSON object, NULL when none."""
    first = queryset.filter(**{parent: OuterRef("pk")}).values(row=JSONFields(**fields))[:1]
    return Subquery(first, output_field=TextField())


def json_parse(text: str | None) -> Any:
    """The text of a JSON value; numbers with a fraction as Decimal."""
    return json.loads(text, parse_float=Decimal) if text is not None else None


def _datetime(value: str) -> datetime:
    """ISO text from PostgreSQL (with offset) or SQLite (naive, stored in UTC)."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.DecimalField):
        places = Decimal(1).scaleb(-(field.decimal_places or 0))
        return lambda value: Decimal(value).quantize(places)
    if isinstance(field, models.BooleanField):
        return bool  # SQLite gives 0 and 1
    return None


@functools.cache
def _plan(model: type[models.Model]) -> tuple[frozenset[str], dict[str, Callable[[Any], Any]]]:
    """The model's columns, and the converters of those JSON does not give as Python would."""
    fields = model._meta.concrete_fields
    converters = {f.attname: convert for f in fields if (convert := _converter(f)) is not None}
    return frozenset(f.attname for f in fields), converters


def json_instance(
    model: type[M], data: dict[str, Any], *, using: str = "default", **related: models.Model
) -> M:
    """An instance from a JSON object keyed by column (attname), with `related` objects (by
    relation name) set as `Model(code=code)` would: their ids need not be in the JSON. Columns
    it lacks are deferred, as with `.only()`.

    Built as Django leaves a loaded row, without `Model.__init__`: setting each field one by one
    (and sending pre_init/post_init, which no model here listens to) was most of the time a
    500-visit history took to read."""
    columns, converters = _plan(model)
    values = {name: value for name, value in data.items() if name in columns}
    for name, convert in converters.items():
        if values.get(name) is not None:
            values[name] = convert(values[name])
    instance = model.__new__(model)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = using
    for name, value in related.items():
        field: Any = model._meta.get_field(name)
        values[field.attname] = value.pk
        field.set_cached_value(instance, value)
    instance.__dict__.update(values)
    return instance
