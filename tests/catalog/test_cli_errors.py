"""Bad settings, paths, options and names through the `hub` command from a clean environment:
one `Error:` line naming the thing, a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest

from tests.cli import assert_one_line_error, clean_env, hub


@pytest.fixture
def home(tmp_path):
    """A hub made on purpose (`hub init`)."""
    path = tmp_path / "home"
    made = hub("--home", path, "init", env=clean_env())
    assert made.returncode == 0, made.stderr
    assert (path / "registry.db").exists() and (path / "landing").is_dir()
    return path


def test_init_then_the_catalog_lists_every_resource(home):
    listed = hub("catalog", "list", env=clean_env(home=home))
    assert listed.returncode == 0, listed.stderr
    assert "ga.population" in listed.stdout
    again = hub("--home", home, "init", env=clean_env())
    assert again.returncode == 0 and "already" in again.stdout


def test_a_typo_in_home_is_an_error_and_creates_nothing(home, tmp_path):
    typo = tmp_path / "hoem"
    result = hub("--home", typo, "catalog", "list", env=clean_env())
    assert_one_line_error(result, str(typo), "hub init")
    assert not typo.exists()
    result = hub("summary", env=clean_env(home=typo))
    assert_one_line_error(result, str(typo))
    assert not typo.exists()


@pytest.mark.parametrize(("variable", "value"), [
    ("DUCKDB_THREADS", "abc"), ("DUCKDB_THREADS", "0"), ("GATEWAY_SNAPSHOTS", "sometimes"),
    ("TOKEN_TTL_SECONDS", "1"),
])
def test_a_bad_setting_names_its_variable(home, variable, value):
    result = hub("catalog", "list", env=clean_env(home=home, **{f"HUB_{variable}": value}))
    assert_one_line_error(result, f"HUB_{variable}={value}")


def test_production_mode_with_the_demo_secret_is_refused(home):
    result = hub("catalog", "list", env=clean_env(home=home, mode="production"))
    assert_one_line_error(result, "HUB_SECRET_KEY")


def test_an_unknown_resource_is_named(home):
    result = hub("quality", "scores", "no.such", env=clean_env(home=home))
    assert_one_line_error(result, "unknown resource 'no.such'", "hub catalog list")
    result = hub("catalog", "show", "no.such", env=clean_env(home=home))
    assert_one_line_error(result, "no.such")


def test_unusable_dagster_storage_is_named_not_taken_for_the_registry(home):
    """Dagster's storage speaks SQLAlchemy too: its errors name DAGSTER_HOME, not the
    registry's URL."""
    storage = home / "dagster" / "history"
    storage.mkdir(parents=True)
    (storage / "runs.db").write_text("not a database")
    result = hub("materialize", env=clean_env(home=home))
    assert_one_line_error(result, "Dagster's instance storage cannot be used", "DAGSTER_HOME")
    assert "HUB_REGISTRY_URL" not in result.stderr


@pytest.mark.parametrize(("url", "words"), [
    # A plain postgresql:// URL uses psycopg 3 (installed): the error is the server's absence,
    # not a missing psycopg2 module.
    ("postgresql://hub@127.0.0.1:1/hub", ("registry database cannot be used",
                                           "Connection refused")),
    ("postgres://hub@127.0.0.1:1/hub", ("registry database cannot be used",)),
    ("not a url", ("not a database URL",)),
    ("mysql://hub@localhost/hub", ("cannot be used", "postgresql://")),
])
def test_an_unusable_registry_url_is_one_line(home, url, words):
    result = hub("catalog", "list", env=clean_env(home=home, registry_url=url))
    assert_one_line_error(result, *words)
    assert "psycopg2" not in result.stderr


@pytest.mark.parametrize("command", ["serve", "dev"])
@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_an_invalid_port_is_refused(home, command, port):
    result = hub(command, "--port", port, env=clean_env(home=home), timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "'--port'" in result.stderr


def test_a_landing_that_is_not_there_is_an_error(home, tmp_path):
    nowhere = tmp_path / "nowhere"
    result = hub("--landing", nowhere, "materialize", env=clean_env(home=home))
    assert_one_line_error(result, str(nowhere), "--landing")


def test_an_unknown_folder_in_landing_is_named(home):
    (home / "landing" / "zz.unknown").mkdir()
    (home / "landing" / "zz.unknown" / "20261101T020000.csv").write_text("a,b\n1,2\n")
    result = hub("materialize", env=clean_env(home=home), timeout=600)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "zz.unknown" in line]
    assert len(warnings) == 1 and "not a resource code" in warnings[0]


def test_help_needs_no_home(tmp_path):
    result = hub("--home", tmp_path / "nothing", "catalog", "list", "--help", env=clean_env())
    assert result.returncode == 0 and "Usage: hub catalog list" in result.stdout
