"""When simulated clients are active: weekly tables by local hour and campaigns' shared on/off schedules."""

from __future__ import annotations

import math

import numpy as np

SECOND_US = 1_000_000
HOUR_US = 3600 * SECOND_US
DAY_US = 24 * HOUR_US
EPOCH_MONDAY_OFFSET_HOURS = 72  # 1970-01-01 was a Thursday; shift so hour-of-week 0 is Monday 00:00

# fmt: off
_HUMAN_WEEKDAY = [
    0.10, 0.05, 0.03, 0.02, 0.02, 0.03, 0.10, 0.30, 0.60, 0.85, 0.95, 1.0,
    0.95, 1.0, 1.0, 0.95, 0.90, 0.90, 1.0, 1.15, 1.25, 1.20, 0.80, 0.35,
]
_HUMAN_WEEKEND = [
    0.20, 0.10, 0.05, 0.03, 0.02, 0.02, 0.04, 0.10, 0.30, 0.60, 0.90, 1.0,
    1.0, 1.0, 1.0, 0.95, 0.90, 0.95, 1.0, 1.10, 1.15, 1.10, 0.80, 0.45,
]
_OFFICE_WEEKDAY = [
    0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.3, 0.8, 1.0, 1.0, 1.0,
    0.7, 1.0, 1.0, 1.0, 1.0, 0.7, 0.3, 0.15, 0.08, 0.05, 0.03, 0.02,
]
# agent loops a developer starts before leaving, which then run through the night
_EVENING_WEEKDAY = [
    0.15, 0.08, 0.04, 0.03, 0.03, 0.03, 0.05, 0.10, 0.20, 0.30, 0.35, 0.35,
    0.30, 0.35, 0.35, 0.40, 0.60, 1.00, 1.50, 1.80, 1.90, 1.70, 1.20, 0.50,
]
# fmt: on
_FLAT = [0.85 + 0.15 * math.sin((h - 9) / 24 * 2 * math.pi) for h in range(24)]


def weekly_table(schedule: str) -> np.ndarray:
    """Relative activity per local hour of the week (Monday 00:00 first), mean 1."""
    if schedule == "human":
        week = _HUMAN_WEEKDAY * 5 + [v * 0.85 for v in _HUMAN_WEEKEND] * 2
    elif schedule in ("office", "burst"):
        weekend = 0.04 if schedule == "office" else 0.15
        week = _OFFICE_WEEKDAY * 5 + [weekend] * 48
    elif schedule == "evening":
        week = _EVENING_WEEKDAY * 5 + [v * 0.7 for v in _EVENING_WEEKDAY] * 2
    elif schedule == "flat":
        week = _FLAT * 7
    else:
        raise ValueError(f"no weekly table for schedule {schedule!r}")
    table = np.asarray(week, np.float64)
    return table / table.mean()


def campaign_table(rng: np.random.Generator, hours: int) -> np.ndarray:
    """A campaign's shared on/off schedule over the span, hour by hour (operators run jobs in blocks)."""
    table = np.empty(hours, np.float64)
    position, on = 0, bool(rng.random() < 0.7)
    while position < hours:
        length = max(1, int(rng.exponential(7.0 if on else 3.0)))
        table[position : position + length] = rng.uniform(0.8, 1.2) if on else 0.03
        position += length
        on = not on
    if table.mean() <= 0:
        table[:] = 1.0
    return table / table.mean()
