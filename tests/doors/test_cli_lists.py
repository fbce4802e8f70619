"""The `hub` command from a clean environment: empty lists say so in one line, a grant for a
department the city does not have is refused."""

from __future__ import annotations

import json

import pytest

from tests.doors.cli import run_hub


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "home"
    path.mkdir()
    return path


@pytest.mark.parametrize(("args", "said"), [
    (("grants", "list"), "no grants"),
    (("grants", "list", "--department", "mz"), "no grants of department mz"),
    (("clients", "list"), "no clients or users"),
    (("catalog", "queue"), "no revisions waiting for review"),
    (("quality", "feedback"), "no feedback files"),
])
def test_an_empty_list_says_so(home, args, said):
    done = run_hub(*args, home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines()[-1] == said


def test_a_grant_for_an_unknown_department_is_refused(home):
    done = run_hub("grants", "provision", "--resource", "ga.vehicles", "--department", "zz",
                   "--items", "plate_number", "--purpose", "核查", "--legal-basis", "办法",
                   home=home)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    error = json.loads(done.stderr.strip().splitlines()[-1])["error"]
    assert error == {"code": "invalid_grant",
                     "message": "unknown department 'zz': one of ga, gjj, hub, mz, rs, sj, wj, zr"}
    listed = run_hub("grants", "list", home=home)
    assert listed.stdout == ""  # nothing was stored
