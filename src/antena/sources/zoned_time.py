"""Times written with a zone abbreviation or offset ("2017-03-01 12:00:00 CST", "+0100"), as UTC.

Shared by the CrowdTangle CSV importer and the generic importer.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# Hours from UTC of the zone abbreviations CrowdTangle writes (North American first: its
# users' zones). Ambiguous abbreviations (IST, ...) are deliberately absent.
ZONE_OFFSETS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "WET": 0, "WEST": 1, "BST": 1,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "AST": -4, "ADT": -3, "NST": -3.5, "NDT": -2.5,
    "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "BRT": -3, "ART": -3, "CLT": -4, "COT": -5, "PET": -5, "VET": -4,
    "JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "PHT": 8, "WIB": 7,
    "AEST": 10, "AEDT": 11, "ACST": 9.5, "AWST": 8, "NZST": 12, "NZDT": 13,
}

_ZONED_RE = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2}:\d{2}(?::\d{2})?)\s*(.*?)\s*$"
)
_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


class TimeError(ValueError):
    """A 'Post Created' value that cannot be turned into UTC."""


def parse_zoned_time(value: str) -> datetime:
    """Parse "2017-03-01 12:00:00 CST" (or "+0100", "UTC-06:00") into an aware UTC datetime."""
    match = _ZONED_RE.match(value or "")
    if not match:
        raise TimeError(f"unreadable time {value!r}")
    day, clock, zone = match.groups()
    fmt = "%Y-%m-%d %H:%M:%S" if clock.count(":") == 2 else "%Y-%m-%d %H:%M"
    try:
        local = datetime.strptime(f"{day} {clock}", fmt)
    except ValueError as exc:
        raise TimeError(f"unreadable time {value!r}") from exc
    offset = zone_offset(zone)
    if offset is None:
        raise TimeError(
            f"unknown time zone {zone!r} in {value!r}; export again in UTC or use a numeric offset"
        )
    return local.replace(tzinfo=timezone(offset)).astimezone(UTC)


def zone_offset(zone: str) -> timedelta | None:
    """The offset of a zone abbreviation or numeric offset ("" means UTC), or None."""
    zone = zone.strip()
    if not zone:
        return timedelta(0)
    if zone.upper() in ZONE_OFFSETS:
        return timedelta(hours=ZONE_OFFSETS[zone.upper()])
    match = _OFFSET_RE.match(zone)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta <= timedelta(hours=14):
            return -delta if sign == "-" else delta
    return None
