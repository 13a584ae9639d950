"""Per-exchange detectors over Arrow batches: request signals, language and template keys."""

from distillguard.signals.request import (
    CAPABILITIES,
    ON,
    SCORE_COLUMNS,
    SIGNAL_COLUMNS,
    SIGNALS_SCHEMA,
    SignalColumn,
    request_signals,
)

__all__ = [
    "CAPABILITIES",
    "ON",
    "SCORE_COLUMNS",
    "SIGNALS_SCHEMA",
    "SIGNAL_COLUMNS",
    "SignalColumn",
    "request_signals",
]
