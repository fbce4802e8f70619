"""A synthetic directory as a complete city folder, ready for `hub init --profile <folder>`.

The folder is a base profile (the demo's 惠州 by default: its `city.toml`, and the declarations
every city has, such as the hub's own datasets) with the generated departments added to its
`city.toml` and the generated declarations beside its own in `resources/<code>.json`, each
naming its provider by department code, as `catalog.city` reads them.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from collections.abc import Iterable
from pathlib import Path

from catalog.city import DEFAULT_PROFILE, PROFILES, declaration_data
from catalog.model import Resource

__all__ = ["write_city_folder"]


def _toml_value(value: object) -> str:
    """A TOML value for the kinds a profile holds (JSON's string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))


def _city_toml(profile: dict) -> str:
    """`city.toml` text: plain keys first, the departments one per line, then the tables."""
    lines = ["# A synthetic city: a base profile with generated departments "
             "(hub generate-directory --city).", ""]
    tables = {k: v for k, v in profile.items() if isinstance(v, dict)}
    for key, value in profile.items():
        if key in tables or key == "departments":
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    lines += ["", "departments = ["]
    lines += [f"  {_toml_value(d)}," for d in profile["departments"]]
    lines += ["]"]
    for name, table in tables.items():
        _table(lines, name, table)
    return "\n".join(lines) + "\n"


def _table(lines: list[str], name: str, table: dict) -> None:
    plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
    lines += ["", f"[{name}]"]
    lines += [f'"{k}" = {_toml_value(v)}' for k, v in plain.items()]
    for key, value in table.items():
        if isinstance(value, dict):
            _table(lines, f"{name}.{key}", value)


def write_city_folder(resources: Iterable[Resource], out: Path,
                      base: str | Path = DEFAULT_PROFILE) -> int:
    """Write `<out>/city.toml` and `<out>/resources/<code>.json`: the base profile's city and
    declarations plus `resources` (a generated declaration whose code the base already declares
    is left out). Returns how many declarations the folder holds."""
    source = Path(base) if Path(base).is_dir() else PROFILES / str(base)
    profile = tomllib.loads((source / "city.toml").read_text(encoding="utf-8"))
    folder = out / "resources"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source / "resources", folder)
    known = {d["code"] for d in profile["departments"]}
    written = len(list(folder.glob("*.json")))
    for resource in resources:
        target = folder / f"{resource.code}.json"
        if target.exists():
            continue
        if resource.provider.code not in known:
            profile["departments"].append(resource.provider.model_dump())
            known.add(resource.provider.code)
        target.write_text(json.dumps(declaration_data(resource), ensure_ascii=False,
                                     indent=1) + "\n",
                          encoding="utf-8")
        written += 1
    (out / "city.toml").write_text(_city_toml(profile), encoding="utf-8")
    return written
