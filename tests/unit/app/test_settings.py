"""User settings: typed, round-tripped, and a broken file gives a clear message and defaults."""

from __future__ import annotations

from pathlib import Path

from workstation.paths import Paths
from workstation.settings import Settings


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    Settings(server_url='http://a "b"', username="demo", offer_sound=False).save(path)
    loaded, problem = Settings.load(path)
    assert problem is None
    assert loaded == Settings(server_url='http://a "b"', username="demo", offer_sound=False, offer_popup=True)


def test_malformed_file_names_file_and_line_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('username = "demo"\noffer_sound = maybe\n', encoding="utf-8")
    loaded, problem = Settings.load(path)
    assert loaded == Settings()
    assert problem is not None and str(path) in problem and "line 2" in problem
    assert path.read_text(encoding="utf-8").endswith("maybe\n")  # nothing lost


def test_wrong_types_and_unknown_keys_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('offer_sound = "yes"\nusername = "ann"\ncolour = 3\n', encoding="utf-8")
    loaded, problem = Settings.load(path)
    assert loaded.username == "ann" and loaded.offer_sound is True
    assert problem is not None and "offer_sound must be a bool" in problem and "colour" in problem


def test_cache_file_differs_per_server_and_agent(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    a = paths.cache_db("http://one:1", "a-demo")
    assert a == paths.cache_db("http://one:1/", "a-demo")
    assert a != paths.cache_db("http://two:1", "a-demo")
    assert a != paths.cache_db("http://one:1", "a-anna")
