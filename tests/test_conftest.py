"""The shared test helpers: a test that needs the corpus is skipped without it, and fails under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import CORPUS, corpus_or_skip


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_a_missing_corpus_fails_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="corpus is missing"):
        corpus_or_skip(tmp_path / "nowhere")


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_a_missing_corpus_skips_outside_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="not at"):
        corpus_or_skip(tmp_path / "nowhere")


def test_a_present_corpus_is_returned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert corpus_or_skip(tmp_path) == tmp_path
    assert CORPUS.name == "corpus" and CORPUS.parent.name == "shared"  # ../shared/corpus beside the repository
