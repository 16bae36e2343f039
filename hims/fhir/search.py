"""FHIR search: parse query parameters strictly into ORM filters, then page the matches.

A resource type (`ResourceType`) declares its search parameters (`SearchParam`) and the
tables it is read from (`Source`: one for most types, two for Location). Each source says,
per parameter, how a parsed value becomes a `Q`. Parameter semantics follow FHIR R4:

- a comma inside one value means OR, a repeated parameter means AND;
- `\\,` `\\|` `\\$` `\\\\` escape the separators;
- string: case-insensitive match at the start of the text or of any word in it;
  `:contains` matches anywhere, `:exact` the whole text, case-sensitive;
- token: `system|code`, `|code` (no system) or `code` (any system);
- reference: `Type/id`, `id` or an absolute URL ending in `Type/id`;
- date: `[prefix]YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a dateTime (`...Thh:mm[:ss[.s]][zone]`, the
  server's zone when none is given), the range its precision implies; prefixes eq (default),
  ne, gt, lt, ge, le, compared with an instant stored in the row;
- unknown parameters, modifiers or malformed values are refused (strict handling).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import reduce
from operator import and_, or_
from typing import Any, Literal

from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hims.fhir.errors import FhirError

ParamType = Literal["string", "token", "reference", "date"]

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 10_000_000
OFFSET_PARAM = "_offset"
# Result parameters every search accepts besides its own search parameters.
RESULT_PARAMS = frozenset({"_count", OFFSET_PARAM, "_format", "_summary"})
SUMMARY_VALUES = frozenset({"true", "text", "data", "count", "false"})
# A database id as it appears in a FHIR id: no sign, no leading zero, fits a bigint.
_PK_RE = re.compile(r"[1-9][0-9]{0,17}")
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_DATE_RE = re.compile(
    r"^(?P<prefix>[a-z]{2})?(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
DATE_PREFIXES = frozenset({"eq", "ne", "gt", "lt", "ge", "le"})
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class StringValue:
    text: str
    modifier: str = ""  # "", "contains" or "exact"


@dataclass(frozen=True)
class TokenValue:
    system: str | None  # None: any system; "": no system
    code: str


@dataclass(frozen=True)
class ReferenceValue:
    resource_type: str | None
    id: str


@dataclass(frozen=True)
class DateValue:
    """A date search value as the half-open range of instants [start, end) it covers."""

    prefix: str
    start: datetime
    end: datetime


SearchValue = StringValue | TokenValue | ReferenceValue | DateValue
Filter = Callable[[SearchValue], Q]


@dataclass(frozen=True)
class SearchParam:
    """One search parameter as the CapabilityStatement lists it."""

    name: str
    type: ParamType
    documentation: str | Promise
    definition: str | None = None
    # The resource type (or types) a reference parameter points at.
    target: str | tuple[str, ...] | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        if self.target is None:
            return ()
        return (self.target,) if isinstance(self.target, str) else self.target


@dataclass(frozen=True)
class Source:
    """One table a resource type is read from, and how each parameter filters it."""

    model: type[Model]
    to_resource: Callable[[Any], dict[str, Any]]
    filters: Mapping[str, Filter]
    id_prefix: str = ""
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str | Prefetch[Any], ...] = ()
    # Always applied to searches (never to reads by id).
    search_base: Q = field(default_factory=Q)
    # Applied to searches unless the client asks for `active` itself.
    search_default: Q = field(default_factory=Q)
    # The order of search results; ends with a unique field so pages never overlap.
    ordering: tuple[str, ...] = ("pk",)

    def queryset(self) -> QuerySet[Any]:
        return (
            self.model._default_manager.select_related(*self.select_related)
            .prefetch_related(*self.prefetch_related)
            .order_by(*self.ordering)
        )


ID_PARAM = SearchParam(
    "_id",
    "token",
    documentation=gettext_lazy("The logical id of the resource."),
    definition="http://hl7.org/fhir/SearchParameter/Resource-id",
)


@dataclass(frozen=True)
class ResourceType:
    name: str
    params: tuple[SearchParam, ...]
    sources: tuple[Source, ...]

    def __post_init__(self) -> None:
        names = {param.name for param in self.params}
        for source in self.sources:
            if set(source.filters) != names:
                raise ValueError(
                    f"{self.name}: filters {sorted(source.filters)} != {sorted(names)}"
                )

    @property
    def all_params(self) -> tuple[SearchParam, ...]:
        return (*self.params, ID_PARAM)

    def param(self, name: str) -> SearchParam | None:
        return next((param for param in self.all_params if param.name == name), None)


# --- parsing values --------------------------------------------------------------------


def parse_pk(value: str, *, prefix: str = "") -> int | None:
    """`"12"` -> 12 (or `"f-12"` with prefix `"f-"`); None when it is not such an id."""
    if not value.startswith(prefix):
        return None
    digits = value[len(prefix) :]
    return int(digits) if _PK_RE.fullmatch(digits) else None


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\,|$])", r"\1", text)


def _bad_value(name: str, raw: str) -> FhirError:
    return FhirError(
        _("The value '%(value)s' of search parameter '%(name)s' is not valid.")
        % {"value": raw, "name": name}
    )


def _date_value(name: str, raw: str) -> DateValue:
    # A `+` of a zone offset arrives as a space when the client did not escape it.
    match = _DATE_RE.match(raw.strip().replace(" ", "+"))
    if not match:
        raise FhirError(
            _(
                "The value '%(value)s' of search parameter '%(name)s' is not a date "
                "(YYYY-MM-DD, optionally with a time such as T09:30+05:30)."
            )
            % {"value": raw, "name": name}
        )
    parts = match.groupdict()
    prefix = parts["prefix"] or "eq"
    if prefix not in DATE_PREFIXES:
        raise FhirError(
            _("The prefix '%(prefix)s' is not supported on %(name)s; use eq, ne, gt, lt, ge or le.")
            % {"prefix": prefix, "name": name},
            code="not-supported",
        )
    try:
        zone: tzinfo = timezone.get_current_timezone()
        if parts["zone"]:
            zone = datetime.fromisoformat(f"2000-01-01T00:00{parts['zone']}").tzinfo or zone
        year, month, day = int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1)
        hour, minute = int(parts["hour"] or 0), int(parts["minute"] or 0)
        start = datetime(year, month, day, hour, minute, int(parts["second"] or 0), tzinfo=zone)
        if parts["fraction"]:  # e.g. .000 from JavaScript's toISOString(): a millisecond
            fraction = parts["fraction"]
            start = start.replace(microsecond=int(fraction.ljust(6, "0")))
            end = start + timedelta(microseconds=10 ** (6 - len(fraction)))
        elif parts["second"]:
            end = start + timedelta(seconds=1)
        elif parts["hour"]:
            end = start + timedelta(minutes=1)
        elif parts["day"]:
            end = start + timedelta(days=1)
        elif parts["month"]:
            end = start.replace(year=year + month // 12, month=month % 12 + 1)
        else:
            end = start.replace(year=year + 1)
    except (ValueError, OverflowError):
        raise _bad_value(name, raw) from None
    return DateValue(prefix, start, end)


def _parse_value(param: SearchParam, modifier: str, raw: str) -> SearchValue:
    if not raw.strip():
        raise FhirError(_("Search parameter '%(name)s' has an empty value.") % {"name": param.name})
    if "\x00" in raw:  # PostgreSQL text cannot hold NUL
        raise _bad_value(param.name, raw.replace("\x00", ""))
    if param.type == "string":
        return StringValue(_unescape(raw).strip(), modifier)
    if param.type == "token":
        parts = _UNESCAPED_PIPE.split(raw, maxsplit=1)
        if len(parts) == 1:
            return TokenValue(None, _unescape(raw).strip())
        system, code = (_unescape(part).strip() for part in parts)
        if not code:
            raise _bad_value(param.name, raw)
        return TokenValue(system, code)
    if param.type == "date":
        return _date_value(param.name, raw)
    text = _unescape(raw).strip().rstrip("/")
    segments = text.split("/")
    if len(segments) == 1:
        return ReferenceValue(modifier or None, text)
    resource_type, reference_id = segments[-2], segments[-1]
    if resource_type not in param.targets or (modifier and modifier != resource_type):
        raise FhirError(
            _("Search parameter '%(name)s' refers to %(target)s resources only.")
            % {"name": param.name, "target": " or ".join(param.targets)}
        )
    return ReferenceValue(resource_type, reference_id)


def _check_modifier(param: SearchParam, modifier: str) -> None:
    allowed = {"string": {"", "contains", "exact"}, "token": {""}, "reference": {""}, "date": {""}}[
        param.type
    ]
    if param.type == "reference" and param.target:
        allowed = {"", *param.targets}
    if modifier not in allowed:
        raise FhirError(
            _("The modifier ':%(modifier)s' is not supported on search parameter '%(name)s'.")
            % {"modifier": modifier, "name": param.name},
            code="not-supported",
        )


def _single(params: QueryDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise FhirError(_("Parameter '%(name)s' may be given only once.") % {"name": name})
    return values[0] if values else None


def _non_negative(params: QueryDict, name: str, *, maximum: int) -> int | None:
    raw = _single(params, name)
    if raw is None:
        return None
    text = raw.strip()
    if not text.isdecimal() or not text.isascii() or int(text) > maximum:
        raise FhirError(
            _("Parameter '%(name)s' must be a whole number from 0 to %(maximum)s.")
            % {"name": name, "maximum": maximum}
        )
    return int(text)


# --- the parsed search -------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    # Per parameter occurrence (AND), its comma-separated values (OR).
    criteria: tuple[tuple[SearchParam, tuple[SearchValue, ...]], ...]
    count: int
    offset: int

    @property
    def names(self) -> set[str]:
        return {param.name for param, _values in self.criteria}


def search_parse(resource: ResourceType, params: QueryDict) -> SearchQuery:
    """Validate every parameter; raises FhirError (400) on anything unknown or malformed."""
    criteria: list[tuple[SearchParam, tuple[SearchValue, ...]]] = []
    for key, raws in params.lists():
        if key in RESULT_PARAMS:
            continue
        name, _colon, modifier = key.partition(":")
        param = resource.param(name)
        if param is None:
            raise FhirError(
                _("Search parameter '%(name)s' is not supported for %(type)s.")
                % {"name": key, "type": resource.name},
                code="not-supported",
            )
        _check_modifier(param, modifier)
        for raw in raws:
            values = tuple(
                _parse_value(param, modifier, part) for part in _UNESCAPED_COMMA.split(raw)
            )
            criteria.append((param, values))
    summary = _single(params, "_summary")
    if summary is not None and summary not in SUMMARY_VALUES:
        raise _bad_value("_summary", summary)
    count = _non_negative(params, "_count", maximum=10**6)
    offset = _non_negative(params, OFFSET_PARAM, maximum=MAX_OFFSET) or 0
    if summary == "count":
        count = 0
    return SearchQuery(
        criteria=tuple(criteria),
        count=DEFAULT_COUNT if count is None else min(count, MAX_COUNT),
        offset=offset,
    )


def _id_filter(source: Source, value: SearchValue) -> Q:
    code = value.code if isinstance(value, TokenValue) and not value.system else None
    pk = parse_pk(code, prefix=source.id_prefix) if code else None
    return Q(pk=pk) if pk is not None else NOTHING


def source_filter(source: Source, query: SearchQuery) -> Q:
    """The query's criteria as one filter on the source's rows (searches only)."""
    clauses: list[Q] = [source.search_base]
    if "active" not in query.names:
        clauses.append(source.search_default)
    for param, values in query.criteria:
        if param.name == "_id":
            parts = [_id_filter(source, value) for value in values]
        else:
            parts = [source.filters[param.name](value) for value in values]
        clauses.append(reduce(or_, parts))
    return reduce(and_, clauses)


@dataclass(frozen=True)
class SearchPage:
    total: int
    resources: list[dict[str, Any]]
    count: int
    offset: int


def search_run(resource: ResourceType, query: SearchQuery) -> SearchPage:
    """Count every source, then fetch one page across them in (source, pk) order.

    Queries per page: one count per source, at most one fetch per source, plus that
    source's prefetches; never one per row.
    """
    querysets = [
        source.queryset().filter(source_filter(source, query)) for source in resource.sources
    ]
    totals = [queryset.count() for queryset in querysets]
    resources: list[dict[str, Any]] = []
    skip, remaining = query.offset, query.count
    for source, queryset, total in zip(resource.sources, querysets, totals, strict=True):
        if remaining <= 0:
            break
        if skip >= total:
            skip -= total
            continue
        rows = list(queryset[skip : skip + remaining])
        resources.extend(source.to_resource(row) for row in rows)
        remaining -= len(rows)
        skip = 0
    return SearchPage(
        total=sum(totals), resources=resources, count=query.count, offset=query.offset
    )


def resource_read(resource: ResourceType, resource_id: str) -> dict[str, Any] | None:
    """The resource with this id, active or not; None when there is none."""
    for source in sorted(resource.sources, key=lambda source: -len(source.id_prefix)):
        pk = parse_pk(resource_id, prefix=source.id_prefix)
        if pk is not None:
            row = source.queryset().filter(pk=pk).first()
            return source.to_resource(row) if row is not None else None
    return None


# --- filter builders used by the registry ----------------------------------------------


def _word_start(field_name: str, text: str) -> Q:
    return Q(**{f"{field_name}__istartswith": text}) | Q(**{f"{field_name}__icontains": " " + text})


def string_filter(*field_names: str) -> Filter:
    """Match any of the fields (see the module docstring for the modifiers)."""

    def build(value: SearchValue) -> Q:
        assert isinstance(value, StringValue)
        if value.modifier == "exact":
            parts = (Q(**{name: value.text}) for name in field_names)
        elif value.modifier == "contains":
            parts = (Q(**{f"{name}__icontains": value.text}) for name in field_names)
        else:
            parts = (_word_start(name, value.text) for name in field_names)
        return reduce(or_, parts)

    return build


def token_filter(
    systems: Mapping[str, str], *, normalize: Mapping[str, Callable[[str], str]] | None = None
) -> Filter:
    """`systems` maps each code system to the field holding its codes."""
    normalizers = normalize or {}

    def clause(system: str, code: str) -> Q:
        field_name = systems[system]
        return Q(**{field_name: normalizers.get(system, str)(code)})

    def build(value: SearchValue) -> Q:
        assert isinstance(value, TokenValue)
        if value.system is None:
            return reduce(or_, (clause(system, value.code) for system in systems))
        if value.system in systems:
            return clause(value.system, value.code)
        return NOTHING  # no system-less codes, and no codes from other systems

    return build


def boolean_filter(field_name: str) -> Filter:
    def build(value: SearchValue) -> Q:
        assert isinstance(value, TokenValue)
        if value.system or value.code not in {"true", "false"}:
            raise FhirError(_("Search parameter 'active' takes true or false."))
        return Q(**{field_name: value.code == "true"})

    return build


def reference_filter(field_name: str, *, prefix: str = "") -> Filter:
    """`field_name` holds the pk of the referenced resource, whose ids carry `prefix`."""

    def build(value: SearchValue) -> Q:
        assert isinstance(value, ReferenceValue)
        pk = parse_pk(value.id, prefix=prefix)
        return Q(**{field_name: pk}) if pk is not None else NOTHING

    return build


def date_filter(field_name: str) -> Filter:
    """`field_name` holds an instant (a DateTimeField): FHIR's prefixes against the range of
    the search value, so `eq` on a day is that whole day in the server's zone."""

    def build(value: SearchValue) -> Q:
        assert isinstance(value, DateValue)
        within = Q(**{f"{field_name}__gte": value.start, f"{field_name}__lt": value.end})
        return {
            "eq": within,
            "ne": ~within,
            "gt": Q(**{f"{field_name}__gte": value.end}),
            "lt": Q(**{f"{field_name}__lt": value.start}),
            "ge": Q(**{f"{field_name}__gte": value.start}),
            "le": Q(**{f"{field_name}__lt": value.end}),
        }[value.prefix]

    return build


def nothing(value: SearchValue) -> Q:
    """For a parameter that can never match rows of this source."""
    return NOTHING
