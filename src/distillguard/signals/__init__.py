"""Per-exchange detectors over Arrow batches: request signals, language and template keys."""

from distillguard.signals.request import (
    CAPABILITIES,
    SCORE_COLUMNS,
    SIGNAL_COLUMNS,
    SIGNALS_SCHEMA,
    SignalColumn,
    default_threshold,
    request_signals,
)

__all__ = [
    "CAPABILITIES",
    "SCORE_COLUMNS",
    "SIGNALS_SCHEMA",
    "SIGNAL_COLUMNS",
    "SignalColumn",
    "default_threshold",
    "request_signals",
]
