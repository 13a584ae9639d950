"""The one exception family of distillguard, each able to say where a problem is."""

from __future__ import annotations


class DistillguardError(Exception):
    """Root of every error distillguard raises on purpose.

    ``where`` names the place (file, file:line, record number) so the message can tell the
    user what to look at; ``hint`` says what to do about it.

    >>> str(DistillguardError("bad thing", where="logs.jsonl:3", hint="fix the line"))
    'logs.jsonl:3: bad thing (fix the line)'
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class RecordError(DistillguardError):
    """One input record cannot be mapped to the canonical schema; it goes to quarantine.

    ``reason`` is a short stable code (counted in run summaries); the message is the detail.
    """

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


class InputError(DistillguardError):
    """An input as a whole cannot be read: missing file, unknown format, bad option."""


class ConfigError(DistillguardError):
    """A settings or scenario file is invalid; ``where`` is file:line."""


class WorkspaceError(DistillguardError):
    """The workspace folder is missing, damaged or of an incompatible version."""


class EngineError(DistillguardError):
    """The SQL engine failed; the message carries the SQL that failed."""


class BusyError(DistillguardError):
    """Another process holds what this one needs (a workspace, its catalogue); ``pid`` names
    it when it is known."""

    def __init__(self, message: str, *, pid: int | None = None, where: str | None = None, hint: str | None = None):
        self.pid = pid
        super().__init__(message, where=where, hint=hint)
