"""The collector is paused while a batch runs and restored however the batch ends."""

from __future__ import annotations

import gc

import pytest

from voucher_batch.services.collection import collection_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_then_restored_as_it_was(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), collection_paused():
            raise RuntimeError("a batch that fails")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_an_ingest_runs_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    from voucher_batch.services import runner

    seen: list[bool] = []
    monkeypatch.setattr(runner, "_run", lambda *args: seen.append(gc.isenabled()))
    runner.run(*([None] * 5))  # type: ignore[arg-type]
    assert seen == [False] and gc.isenabled()
