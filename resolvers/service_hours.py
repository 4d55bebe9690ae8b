"""Hours of service: when a first response is due, counting only the hours a partner's
support is open, in its own time zone.

A window is a weekday with an opening and a closing time on the wall clock of the partner's
time zone (`24:00` closes at midnight). The clock is converted to UTC window by window, so a
night, a weekend or a change to or from daylight saving time counts exactly the hours that
really pass while the service is open (a window that spans the change is an hour shorter or
longer than its wall-clock length).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from itertools import pairwise
from math import ceil
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from resolvers.errors import BadInput, DomainError, InvalidInput
from resolvers.models import Severity


class Weekday(StrEnum):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


DAYS = tuple(str(day) for day in Weekday)
CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
MIDNIGHT = (24, 0)

# The first response is due within this many hours of service (contract §5).
RESPONSE_HOURS: Mapping[Severity, int] = {Severity.A: 2, Severity.B: 4, Severity.C: 8}


@dataclass(frozen=True, order=True)
class Window:
    weekday: int  # 0 is Monday
    opens: tuple[int, int]  # (hour, minute) on the wall clock
    closes: tuple[int, int]  # after `opens`; (24, 0) is midnight at the end of the day

    @property
    def minutes(self) -> int:
        return (self.closes[0] - self.opens[0]) * 60 + self.closes[1] - self.opens[1]

    def on(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The window on `day`, in UTC."""
        return _moment(day, self.opens, zone), _moment(day, self.closes, zone)

    def stored(self) -> dict[str, str]:
        return {
            "day": DAYS[self.weekday],
            "opens": _clock(self.opens),
            "closes": _clock(self.closes),
        }


def _moment(day: date, clock: tuple[int, int], zone: ZoneInfo) -> datetime:
    """When the wall clock of `zone` shows `clock` on `day`, in UTC. A time the clocks skip
    (02:30 when they jump from 02:00 to 03:00) is the moment they jump: a service that opens
    at 02:30 that night opens at 03:00."""
    if clock == MIDNIGHT:
        day, clock = day + timedelta(days=1), (0, 0)
    wall = datetime.combine(day, time(*clock))
    moment = wall.replace(tzinfo=zone).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == wall:
        return moment
    # In the gap: the jump lies between the readings with the offsets before and after it.
    before, after = wall.replace(tzinfo=zone, fold=1).astimezone(UTC), moment
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).replace(tzinfo=None) < wall:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0)


def _clock(clock: tuple[int, int]) -> str:
    return f"{clock[0]:02d}:{clock[1]:02d}"


def zone_named(name: str, field: list[str]) -> ZoneInfo:
    """An IANA time zone such as Europe/Lisbon; anything else is refused."""
    if name not in _zone_names():
        raise BadInput("support.time_zone", field=field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput("support.time_zone", field=field) from None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def windows_from(days: Iterable[Mapping[str, str]], field: list[str]) -> list[Window]:
    """Checked windows, in weekly order: each closes after it opens, and none overlaps another
    on the same day. At least one is needed."""
    windows: list[Window] = []
    problems: list[DomainError] = []
    for index, entry in enumerate(days):
        at = [*field, str(index)]
        opens, closes = _parsed(entry.get("opens", "")), _parsed(entry.get("closes", ""))
        day = entry.get("day", "")
        if day not in DAYS:
            problems.append(BadInput("support.day", field=[*at, "day"]))
        elif opens is None or opens == MIDNIGHT:
            problems.append(BadInput("support.clock", field=[*at, "opens"]))
        elif closes is None or closes <= opens:
            problems.append(BadInput("support.closes", field=[*at, "closes"]))
        else:
            windows.append(Window(DAYS.index(day), opens, closes))
    if not windows and not problems:
        problems.append(BadInput("support.no_hours", field=field))
    windows.sort()
    for before, after in pairwise(windows):
        if before.weekday == after.weekday and after.opens < before.closes:
            problems.append(BadInput("support.overlap", field=field, day=DAYS[after.weekday]))
    if problems:
        raise InvalidInput(problems)
    return windows


def _parsed(text: str) -> tuple[int, int] | None:
    match = CLOCK.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    clock = (int(match.group(1)), int(match.group(2)))
    return clock if clock <= MIDNIGHT else None


def stored_windows(hours: Sequence[Mapping[str, str]]) -> list[Window]:
    """The windows of an offering as stored (already checked)."""
    return sorted(
        Window(DAYS.index(entry["day"]), _parsed(entry["opens"]), _parsed(entry["closes"]))  # type: ignore[arg-type]
        for entry in hours
    )


def due_after(start: datetime, hours: int, windows: Sequence[Window], zone: ZoneInfo) -> datetime:
    """The moment `hours` hours of service have passed since `start`. Without windows the
    service never closes."""
    remaining = timedelta(hours=hours)
    if not windows:
        return start + remaining
    by_weekday: dict[int, list[Window]] = {}
    for window in windows:
        by_weekday.setdefault(window.weekday, []).append(window)
    # Enough days to cover the hours even at the shortest week (an hour less for a change
    # of clocks): the search always ends.
    weekly = sum(window.minutes for window in windows) - 60
    weeks = ceil(hours * 60 / max(weekly, 1)) + 1
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    for offset in range(7 * weeks + 2):
        day = first_day + timedelta(days=offset)
        for window in by_weekday.get(day.weekday(), ()):
            opens, closes = window.on(day, zone)
            begin = max(opens, start)
            if closes <= begin:
                continue
            if closes - begin >= remaining:
                return begin + remaining
            remaining -= closes - begin
    raise AssertionError("service hours never add up")  # pragma: no cover - bounded above


def first_response_due(
    opened_at: datetime,
    severity: Severity,
    offering_hours: Sequence[Mapping[str, str]] | None,
    time_zone: str | None,
) -> datetime:
    """When the first response to a ticket opened at `opened_at` is due: by its severity, in
    the handler's hours of service (round the clock for a partner without an offering)."""
    hours = RESPONSE_HOURS[severity]
    if not offering_hours or not time_zone:
        return opened_at + timedelta(hours=hours)
    return due_after(opened_at, hours, stored_windows(offering_hours), ZoneInfo(time_zone))
