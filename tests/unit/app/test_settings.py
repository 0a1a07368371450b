"""User settings: typed, only what the user set is written, a damaged file is kept beside."""

from __future__ import annotations

from pathlib import Path

import pytest

from workstation import config
from workstation.paths import Paths
from workstation.settings import Settings


def test_round_trip_writes_only_what_was_set(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    Settings(path).update(server_url='https://a "b".example', username="demo", offer_sound=False)
    loaded = Settings.load(path)
    assert loaded.values == {"server_url": 'https://a "b".example', "username": "demo", "offer_sound": False}
    assert not loaded.damaged
    # offer_popup was never set by the user, so a machine-wide value for it still applies
    assert "offer_popup" not in path.read_text(encoding="utf-8")


def test_forgetting_a_value_removes_it_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    settings = Settings(path)
    settings.update(server_url="https://crm.example", username="ann")
    settings.update(server_url=None)
    assert Settings.load(path).values == {"username": "ann"}


def test_malformed_file_is_reported_with_file_and_line_and_kept_on_save(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('username = "demo"\noffer_sound = maybe\n', encoding="utf-8")
    effective = config.load(path, machine_file=tmp_path / "none.toml", environ={})
    assert effective.config == config.Config()
    (problem,) = effective.problems
    assert str(path) in problem and "line 2" in problem
    settings = Settings.load(path)
    assert settings.damaged and settings.values == {}
    settings.update(offer_popup=False)
    # nothing lost: the file as the user left it is kept beside the rewritten one
    assert (tmp_path / "settings.toml.damaged").read_text(encoding="utf-8").endswith("maybe\n")
    assert Settings.load(path).values == {"offer_popup": False}


def test_wrong_types_and_unknown_keys_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('offer_sound = "yes"\nusername = "ann"\ncolour = 3\n', encoding="utf-8")
    effective = config.load(path, machine_file=tmp_path / "none.toml", environ={})
    assert effective.config.username == "ann" and effective.config.offer_sound is True
    assert f"{path}, line 1: offer_sound must be true or false; ignored" in effective.problems
    assert f"{path}, line 3: unknown option 'colour' ignored" in effective.problems


def test_update_refuses_an_invalid_value(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="server_url must be an http"):
        Settings(tmp_path / "settings.toml").update(server_url="ftp://files")
    assert not (tmp_path / "settings.toml").exists()


def test_cache_file_differs_per_server_and_agent(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    a = paths.cache_db("http://one:1", "a-demo")
    assert a == paths.cache_db("http://one:1/", "a-demo")
    assert a != paths.cache_db("http://two:1", "a-demo")
    assert a != paths.cache_db("http://one:1", "a-anna")
