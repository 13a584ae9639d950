"""One-pass multi-pattern prefilter: which groups of RE2 patterns may occur in each string.

RE2 (through Arrow) runs one pattern per pass, and a union of many gapped patterns overflows
its DFA memory; Hyperscan compiles every pattern of every group into one automaton and reads
each string once. It is used as a *prefilter*: :meth:`MultiScan.scan` says, per string and
group, "some pattern of the group may match", never missing a string that RE2 would match,
and the exact RE2 pass then runs on those strings only, so results are RE2's own.

Why the answer is a superset of RE2's. The patterns are compiled case-insensitively and
without UCP, so ``\\w``, ``\\d`` and ``\\b`` are ASCII as in RE2. Hyperscan's UTF-8 case
folding agrees with RE2's on every letter of the lexicon over all of Unicode, save the few
letters of ``FOLD_GAPS``: a string holding one of them (or invalid UTF-8) is reported as
"every group may match" and left to RE2. The rewrites only widen: ``\\pL\\pN_`` (RE2's letters
of all scripts) becomes ``\\S``, and a pattern Hyperscan cannot compile as written is compiled
in its prefilter mode, a superset by definition (or, failing that, as "any character").
Hyperscan's ``\\s`` also takes ``\\v`` and its ``$`` also matches before a final newline,
which widen too. Pure-ASCII strings are read by a byte-mode automaton, smaller and faster,
where ASCII case folding is all there is to fold.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.signals.text import ascii_rows

try:
    import hyperscan
except ImportError as error:  # pragma: no cover - exercised only without the dependency
    raise ImportError(
        "distillguard's request signals need the 'hyperscan' package (python-hyperscan, which bundles "
        "Intel Hyperscan): pip install hyperscan==0.9.1"
    ) from error

# Letters that RE2 folds onto a letter of the patterns and Hyperscan does not: RE2's (?i)\w
# and [a-z] take the long s and the Kelvin sign, and (?i)в, д, о, с, т, ъ take the old
# Cyrillic variants U+1C80-U+1C88 (measured over all code points: tests/test_signals_fast_paths.py).
FOLD_GAPS = "\u017f|\u212a|[\u1c80-\u1c88]"


def widen(pattern: str) -> str:
    """An RE2 pattern rewritten for Hyperscan so that it matches at least what RE2 matches.

    >>> widen(r"объясни[\\pL\\pN_]* ход")
    'объясни[\\\\S]* ход'
    """
    return pattern.replace(r"\pL\pN_", r"\S")


class MultiScan:
    """Groups of RE2 patterns compiled into one Hyperscan database, read once per string.

    >>> groups = MultiScan([[r"step[- ]by[- ]step", r"\\bthink carefully"], [r"\\bjudge\\b"]])
    >>> groups.scan(pa.array(["Think carefully.", "Be the judge", "Étape", None])).tolist()
    [[True, False, False, False], [False, True, False, False]]
    """

    def __init__(self, groups: Sequence[Sequence[str]]):
        self.groups = tuple(tuple(group) for group in groups)
        self._databases: dict[bool, hyperscan.Database | None] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def _database(self, *, utf8: bool) -> hyperscan.Database | None:
        # Compiled on first use (a few seconds for the lexicon), once even under threads.
        with self._lock:
            if utf8 not in self._databases:
                self._databases[utf8] = self._compile(utf8=utf8)
            return self._databases[utf8]

    def _compile(self, *, utf8: bool) -> hyperscan.Database | None:
        caseless = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH
        if utf8:
            caseless |= hyperscan.HS_FLAG_UTF8
        expressions, ids, flags = [], [], []
        for group, patterns in enumerate(self.groups):
            for pattern in patterns:
                expressions.append(widen(pattern).encode())
                ids.append(group)  # one id per group: SINGLEMATCH then reports a group once per string
                flags.append(caseless)
        if utf8:
            expressions.append(FOLD_GAPS.encode())
            ids.append(len(self.groups))
            flags.append(hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SINGLEMATCH)
        if not expressions:
            return None
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        try:
            database.compile(expressions=expressions, ids=ids, flags=flags)
        except hyperscan.error:
            # Some pattern is beyond Hyperscan as written: compile that one in prefilter mode,
            # or, failing that, as "any character" (its group then goes to RE2 on every string).
            for index, (expression, flag) in enumerate(zip(expressions, flags, strict=True)):
                if _compiles(expression, flag):
                    continue
                if _compiles(expression, flag | hyperscan.HS_FLAG_PREFILTER):
                    flags[index] = flag | hyperscan.HS_FLAG_PREFILTER
                else:
                    expressions[index], flags[index] = b".", flag | hyperscan.HS_FLAG_DOTALL
            database.compile(expressions=expressions, ids=ids, flags=flags)
        return database

    def _scratch(self, database: hyperscan.Database, *, utf8: bool) -> hyperscan.Scratch:
        # A scratch space serves one scan at a time: one per thread and database.
        key = "utf8" if utf8 else "ascii"
        scratch = getattr(self._local, key, None)
        if scratch is None:
            scratch = hyperscan.Scratch(database)
            setattr(self._local, key, scratch)
        return scratch

    def scan(self, text: pa.Array, *, ascii: np.ndarray | None = None) -> np.ndarray:
        """Bool array (groups, len(text)): group ``g`` may match string ``i``; null is no match.

        ``ascii`` (:func:`distillguard.signals.text.ascii_rows` of ``text``) saves a pass when known.
        """
        n = len(text)
        groups = len(self.groups)
        found = np.zeros((groups + 1, n), dtype=bool)  # the last row: strings left to RE2
        if n == 0 or not self.groups:
            return found[:groups]
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        text = pc.cast(text, pa.string())
        lengths = pc.fill_null(pc.binary_length(text), 0)
        is_ascii = ascii_rows(text) if ascii is None else ascii
        readable = np.asarray(pc.greater(lengths, 0))
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + n + 1]
        data = memoryview(text.buffers()[2]) if text.buffers()[2] is not None else memoryview(b"")
        hits: list[int] = []
        for utf8 in (False, True):
            picked = np.flatnonzero(readable & (is_ascii != utf8))
            if picked.size == 0:
                continue
            if utf8 and not _valid_utf8(text.take(pa.array(picked))):
                found[:, picked] = True  # Hyperscan's UTF-8 mode assumes valid input: RE2 decides
                continue
            database = self._database(utf8=utf8)
            if database is not None:
                _scan_rows(database, self._scratch(database, utf8=utf8), data, offsets, picked, groups + 1, hits)
        if hits:
            codes = np.asarray(hits, dtype=np.int64)
            found[codes % (groups + 1), codes // (groups + 1)] = True
        found[:groups, found[groups]] = True  # a letter Hyperscan folds differently: RE2 decides
        return found[:groups]


def _scan_rows(
    database: hyperscan.Database,
    scratch: hyperscan.Scratch,
    data: memoryview,
    offsets: np.ndarray,
    rows: np.ndarray,
    groups: int,
    hits: list[int],
) -> None:
    """The one per-string Python loop of the signals: one Hyperscan call per string (~0.3 µs)."""
    append = hits.append

    def on_match(group: int, start: int, end: int, flags: int, row: int) -> None:
        append(row * groups + group)

    scan = database.scan
    starts = offsets[rows].tolist()
    ends = offsets[rows + 1].tolist()
    for row, start, end in zip(rows.tolist(), starts, ends, strict=True):
        # the stub wants str or bytes and a handler taking any context; Hyperscan reads any
        # buffer and hands the handler back the context it was given, here the row
        scan(data[start:end], on_match, 0, row, scratch)  # type: ignore[type-var, arg-type]


def _valid_utf8(text: pa.Array) -> bool:
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _compiles(expression: bytes, flags: int) -> bool:
    try:
        hyperscan.Database().compile(expressions=[expression], ids=[0], flags=[flags])
    except hyperscan.error:
        return False
    return True
