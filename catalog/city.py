"""The city a hub serves, as data: its profile and its resource directory.

A city is a folder (`catalog/profiles/<name>/` ships 惠州, the demo's city, and 东莞, whose
towns are its districts; `hub init --profile` copies one into `<home>/city/`, where the city
keeps it):

    city.toml             name, administrative code, departments, districts (GB/T 2260),
                          assistance standards, working-day calendar, languages
    resources/<code>.json one declaration per resource (`docs/schema/resource.schema.json`),
                          its provider named by department code

Nothing about a particular city is in the product's code: the directory, the departments, the
district codes, the standards and the names on every page come from here. A profile is checked
when it is read; each problem names the file, the field and what is wrong.
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import os
import shutil
import time
import tomllib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from catalog.errors import HubError
from catalog.i18n import _
from catalog.lake import write_json
from catalog.model import Department, Resource

if TYPE_CHECKING:
    from catalog.settings import HubSettings

__all__ = [
    "PROFILES",
    "City",
    "CityProfile",
    "ProfileError",
    "city_folder",
    "current_city",
    "declaration_data",
    "install_city",
    "load_city",
    "parse_declaration",
    "profile_path",
    "resource_schema",
    "serve",
    "write_declaration",
]

PROFILES = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "huizhou"
_DISTRICT = r"^\d{6}$"


class ProfileError(HubError):
    """A city profile or declaration that cannot be used: the message names file and field."""


class Calendar(BaseModel):
    """Working days for review deadlines (国务院办公厅 annual notice): holidays on weekdays,
    and weekend days worked in exchange (调休)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()


class Assistance(BaseModel):
    """Minimum-living-guarantee standards (低保标准), yuan per person per month, by district."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    standards: dict[str, int] = Field(default_factory=dict)


class CityProfile(BaseModel):
    """`city.toml`: who the city is (the hub's data authority is one of its departments)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Full Chinese name, e.g. 惠州市.")
    short_name: str = Field(description="As titles use it, e.g. 惠州.")
    name_en: str
    code: str = Field(pattern=_DISTRICT, description="GB/T 2260 code of the city, e.g. 441300.")
    platform: str = Field(default="一网共享", description="The sharing platform's name.")
    data_authority: str = Field(description="Code of the department that runs the hub.")
    languages: tuple[str, ...] = ("zh-CN", "en")
    departments: tuple[Department, ...]
    districts: dict[str, str] = Field(description="GB/T 2260 code → name of each district; a "
                                      "city without districts (东莞) lists its towns by their "
                                      "nine-digit 统计用区划代码.")
    assistance: Assistance = Assistance()
    calendar: Calendar = Calendar()

    @model_validator(mode="after")
    def _check(self) -> CityProfile:
        codes = [d.code for d in self.departments]
        if len(codes) != len(set(codes)):
            raise ValueError(_("departments: a code appears twice ({codes})",
                               codes=sorted(codes)))
        if self.data_authority not in codes:
            raise ValueError(_("data_authority {code!r} is not a department code",
                               code=self.data_authority))
        for code in (*self.districts, *self.assistance.standards):
            if not code.isdigit() or len(code) not in (6, 9):
                raise ValueError(_("district {code!r}: a six-digit GB/T 2260 code, or the "
                                   "nine-digit town code (统计用区划代码) of a city without "
                                   "districts", code=code))
        unknown = sorted(set(self.assistance.standards) - set(self.districts))
        if unknown:
            raise ValueError(_("assistance.standards: {code} is not one of the districts",
                               code=unknown[0]))
        return self

    @property
    def title(self) -> str:
        """How pages and documents name the hub: `惠州 一网共享`."""
        return f"{self.short_name} {self.platform}"


class City:
    """A profile and its resource directory, read and checked from one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.profile = _read_profile(folder / "city.toml")
        self.departments: dict[str, Department] = {d.code: d for d in self.profile.departments}
        self.resources: dict[str, Resource] = _read_directory(folder / "resources",
                                                              self.departments)
        # Lineage's other direction, indexed once: asking each entry for its downstream by
        # scanning the directory was quadratic (10,000 entries: minutes for one list).
        downstream: dict[str, list[str]] = {}
        for resource in self.resources.values():
            for source in resource.derived_from:
                downstream.setdefault(source, []).append(resource.code)
        self.downstream: dict[str, tuple[str, ...]] = {
            code: tuple(sorted(codes)) for code, codes in downstream.items()}


def _problems(exc: ValidationError) -> str:
    """Every problem of a validation as `field: message`, separated by `; `."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
                     for e in exc.errors(include_url=False))


def _read_profile(path: Path) -> CityProfile:
    try:
        return CityProfile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ProfileError(_("{path}: no city profile here (a city folder holds city.toml and "
                             "resources/)", path=path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(_("{path}: cannot be read: {error}", path=path, error=exc)) from None
    except ValidationError as exc:
        raise ProfileError(f"{path}: {_problems(exc)}") from None


def parse_declaration(data: object, departments: dict[str, Department],
                      where: str = "declaration") -> Resource:
    """A declaration (a JSON object, its provider a department code) checked and read; each
    problem is named by field (`where` says which file or proposal it came from)."""
    if not isinstance(data, dict):
        raise ProfileError(_("{where}: a declaration is a JSON object", where=where))
    data = dict(data)
    provider = data.get("provider")
    if isinstance(provider, dict):  # the department is always the city's, named by its code
        provider = provider.get("code")
    if isinstance(provider, str):
        if provider not in departments:
            raise ProfileError(_("{where}: provider: {provider!r} is not a department of the "
                                 "city ({departments})", where=where, provider=provider,
                                 departments=", ".join(departments)))
        data["provider"] = departments[provider].model_dump()
    try:
        declared = Resource.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{where}: {_problems(exc)}") from None
    if not declared.code.startswith(f"{declared.provider.code}."):
        raise ProfileError(_("{where}: code: {code!r} does not start with its provider's code "
                             "{provider!r}", where=where, code=declared.code,
                             provider=declared.provider.code))
    return declared


def declaration_data(resource: Resource) -> dict:
    """A resource as its declaration file holds it: defaults left out, the provider by code."""
    data = resource.model_dump(mode="json", exclude_defaults=True)
    data["provider"] = resource.provider.code
    return data


def _read_declaration(path: Path, departments: dict[str, Department]) -> Resource:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProfileError(_("{path}: not a JSON declaration: {error}", path=path,
                             error=exc)) from None
    declared = parse_declaration(data, departments, str(path))
    if path.stem != declared.code:
        raise ProfileError(_("{path}: code: {code!r} is declared in a file named {name!r}; "
                             "name it {code}.json", path=path, code=declared.code,
                             name=path.name))
    return declared


def _read_directory(folder: Path, departments: dict[str, Department]) -> dict[str, Resource]:
    found = [_read_declaration(path, departments) for path in sorted(folder.glob("*.json"))]
    # As people read a directory: by department (the profile's order), deliveries first.
    order = {code: n for n, code in enumerate(departments)}
    found.sort(key=lambda r: (order[r.provider.code], not r.is_delivered, r.code))
    declared = {r.code: r for r in found}
    for resource in declared.values():
        unknown = sorted((set(resource.related) | set(resource.derived_from)) - declared.keys())
        if unknown:
            raise ProfileError(_("{path}: related/derived_from: {code!r} is not a resource of "
                                 "this directory", path=folder / (resource.code + ".json"),
                                 code=unknown[0]))
    return declared


def profile_path(name_or_path: str | Path) -> Path:
    """A shipped profile by name (`huizhou`, `dongguan`) or a city folder by path."""
    shipped = PROFILES / str(name_or_path)
    if str(name_or_path).isidentifier() and (shipped / "city.toml").is_file():
        return shipped
    path = Path(name_or_path).expanduser().resolve()
    if not (path / "city.toml").is_file():
        names = ", ".join(sorted(p.name for p in PROFILES.iterdir() if (p / "city.toml").is_file()))
        raise ProfileError(_("{name}: neither a shipped profile ({names}) nor a folder with "
                             "city.toml", name=name_or_path, names=names))
    return path


def load_city(folder: Path) -> City:
    """The city of a folder, read again only when its files have changed (a published
    declaration is a new file: `write_declaration`)."""
    folder = Path(folder)
    try:
        stamp = ((folder / "city.toml").stat().st_mtime_ns,
                 (folder / "resources").stat().st_mtime_ns)
    except OSError:
        stamp = None
    return _load_city(folder, stamp)


@functools.lru_cache(maxsize=8)
def _load_city(folder: Path, _stamp: tuple[int, int] | None) -> City:
    city = City(folder)
    # The declarations live as long as the process: kept out of the collector's full passes,
    # which otherwise walk every object of a 10,000-resource directory (~0.5 s pauses that
    # made one request in six slow). Unreachable objects are still freed by reference count;
    # at exit everything is handed back (below), so extension modules (DuckDB's) do not
    # report leaks.
    gc.freeze()
    return city


atexit.register(gc.unfreeze)


_SERVED: list[Path] = []  # the home whose city this process serves, once a door opened it


def serve(home: Path) -> None:
    """This process serves this home's city from now on: the doors (`open_registry`, the
    API's hub, Dagster's resource) call it with the home they opened."""
    _SERVED[:] = [Path(home)]


def current_city() -> City:
    """The city of the home this process serves (`serve`; before any door opened one, the
    settings' home): `<home>/city/`, written by `hub init`, or the demo's profile for a home
    that has none."""
    if _SERVED:
        return _city_of(_SERVED[0])
    from catalog.settings import get_settings

    return _city_of(get_settings().home)


_RECHECK_SECONDS = 1.0
_folders: dict[Path, tuple[float, City]] = {}


def _city_of(home: Path) -> City:
    """The home's city, looked for again at most once a second (every lookup of a resource
    comes here), so every process sees a publication within a second; its own at once."""
    now = time.monotonic()
    found = _folders.get(home)
    if found is None or now - found[0] > _RECHECK_SECONDS:
        found = _folders[home] = (now, load_city(city_folder(home)))
    return found[1]


def city_folder(home: Path) -> Path:
    """Where a home keeps its city: `<home>/city/`, or the demo's profile if it has none."""
    folder = home / "city"
    return folder if (folder / "city.toml").is_file() else PROFILES / DEFAULT_PROFILE


def install_city(settings: HubSettings, profile: str | Path | None) -> City:
    """Give a home its city: the profile's folder copied to `<home>/city/` (checked first, so a
    broken profile leaves the home as it was). A home that has a city keeps it; naming another
    one is an error."""
    target = settings.home / "city"
    if (target / "city.toml").is_file():
        city = load_city(target)
        if profile is not None and load_city(profile_path(profile)).profile != city.profile:
            raise ProfileError(_("{home} is already the hub of {city}; a home serves one city",
                                 home=settings.home, city=city.profile.name))
        return city
    source = profile_path(profile or DEFAULT_PROFILE)
    load_city(source)  # every file checked before anything is copied
    settings.home.mkdir(parents=True, exist_ok=True)
    staged = settings.home / f".city.{os.getpid()}"
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(source, staged, ignore=shutil.ignore_patterns("__pycache__"))
    os.replace(staged, target)
    _folders.pop(settings.home, None)
    return load_city(target)


def write_declaration(home: Path, resource: Resource) -> Path:
    """Publish a declaration into the home's city: written beside its place, flushed and
    renamed, so every reader sees the old directory or the new one. A home still on the demo's
    shipped profile first gets its own copy of it."""
    target = home / "city"
    if not (target / "city.toml").is_file():
        staged = home / f".city.{os.getpid()}"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(PROFILES / DEFAULT_PROFILE, staged,
                        ignore=shutil.ignore_patterns("__pycache__"))
        os.replace(staged, target)
    path = target / "resources" / f"{resource.code}.json"
    write_json(path, declaration_data(resource))
    _folders.pop(home, None)  # this process reads the new directory at once
    return path


def resource_schema() -> dict:
    """The published JSON Schema of a declaration file (`docs/schema/resource.schema.json`)."""
    schema = Resource.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "资源目录声明 (resource declaration)"
    schema["properties"]["provider"] = {
        "anyOf": [{"type": "string", "description": "Department code of the city profile."},
                  {"$ref": "#/$defs/Department"}]}
    return schema
