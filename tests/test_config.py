"""Configuration: defaults, user overrides key by key, clear errors."""

import warnings

import pytest

from searchidx.config import ConfigWarning, load_config
from searchidx.errors import ConfigError
from searchidx.extraction.resources import resources_for


def write(tmp_path, text):
    path = tmp_path / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_without_a_user_file(tmp_path):
    config = load_config(cwd=tmp_path)
    assert config["index"]["path"] == ".searchidx"
    assert "della" in config["italian"]["stopwords"]


def test_user_file_overrides_key_by_key(tmp_path):
    config = load_config(write(tmp_path, "index:\n  title_boost: 3.5\n"))
    assert config["index"]["title_boost"] == 3.5
    assert config["index"]["path"] == ".searchidx"  # untouched keys keep their default


def test_user_file_found_in_working_folder(tmp_path):
    (tmp_path / "searchidx.yaml").write_text("index:\n  path: elsewhere\n")
    assert load_config(cwd=tmp_path)["index"]["path"] == "elsewhere"


def test_invalid_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "index:\n  path: [unclosed\n")
    with pytest.raises(ConfigError, match=r"custom\.yaml:\d+: invalid YAML"):
        load_config(path)


def test_wrong_type_names_file_line_and_key(tmp_path):
    path = write(tmp_path, "index:\n  path: x\n  commit_every: lots\n")
    expected = r"custom\.yaml:3: 'index\.commit_every' should be a number"
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_unknown_key_warns_with_nearest_valid_key(tmp_path):
    path = write(tmp_path, "index:\n  tittle_boost: 2\nindx:\n  path: x\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigWarning)
        config = load_config(path)
    messages = [str(w.message) for w in caught]
    assert any("'tittle_boost'" in m and "did you mean 'title_boost'" in m for m in messages)
    assert any("'indx'" in m and "did you mean 'index'" in m for m in messages)
    assert config["index"]["title_boost"] == load_config(search_cwd=False)["index"]["title_boost"]


def test_a_list_noun_of_an_unknown_kind_is_a_clear_error(tmp_path):
    path = write(tmp_path, "gazetteer:\n  list_nouns: {vie: luogo}\n")
    with pytest.raises(ConfigError, match=r"gazetteer\.list_nouns\.vie is 'luogo': use one of "
                                          r"place, org, media, thing"):
        resources_for(load_config(path))


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_yaml_is_never_executed(tmp_path):
    path = write(tmp_path, "index: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError):
        load_config(path)
