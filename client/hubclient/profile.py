"""The profile file: where the hub is and how this client proves who it is.

JSON (`.json`) or TOML (any other name), e.g.

    {"endpoint": "https://hub.huizhou.example", "client_id": "mz-system",
     "client_secret_file": "mz-system.secret"}

One credential: `client_secret`, `client_secret_file` (the secret, alone in a file) or
`private_key_file` (a PEM or JWK private key whose public half is registered with the hub:
`private_key_jwt`, RFC 7523). Relative file names are read beside the profile. Optional:
`scope` (space-separated; default every scope the client's roles allow) and `timeout` (s).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hubclient.errors import ProfileError

__all__ = ["Profile"]

_FIELDS = {"endpoint", "client_id", "client_secret", "client_secret_file", "private_key_file",
           "scope", "timeout"}
_CREDENTIALS = ("client_secret", "client_secret_file", "private_key_file")


@dataclass(frozen=True)
class Profile:
    endpoint: str
    client_id: str
    client_secret: str | None = None
    private_key: str | None = None  # PEM text or a JWK as JSON text
    scope: str | None = None
    timeout: float = 120.0

    def __repr__(self) -> str:  # never print a secret or a key
        return f"Profile(endpoint={self.endpoint!r}, client_id={self.client_id!r})"

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        """Read and check a profile file; `ProfileError` says what is wrong in one line."""
        path = Path(path).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"cannot read the profile {path}: {exc.strerror}") from None
        try:
            values = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except ValueError as exc:
            raise ProfileError(f"the profile {path} is not valid "
                               f"{'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from None
        if not isinstance(values, dict):
            raise ProfileError(f"the profile {path} must hold a table of settings")
        return cls.from_dict(values, base=path.parent)

    @classmethod
    def from_dict(cls, values: dict, base: Path | None = None) -> Profile:
        unknown = sorted(set(values) - _FIELDS)
        if unknown:
            raise ProfileError(f"unknown profile settings: {', '.join(unknown)}")
        for name in ("endpoint", "client_id"):
            if not isinstance(values.get(name), str) or not values[name]:
                raise ProfileError(f"the profile needs {name!r}")
        given = [name for name in _CREDENTIALS if values.get(name)]
        if len(given) != 1:
            raise ProfileError("the profile needs exactly one of " + ", ".join(_CREDENTIALS))
        secret, key = values.get("client_secret"), None
        if values.get("client_secret_file"):
            secret = _read(values["client_secret_file"], base).strip()
        if values.get("private_key_file"):
            key = _read(values["private_key_file"], base)
        try:
            timeout = float(values.get("timeout", 120.0))
        except (TypeError, ValueError):
            raise ProfileError("timeout must be a number of seconds") from None
        return cls(endpoint=values["endpoint"].rstrip("/"), client_id=values["client_id"],
                   client_secret=secret, private_key=key, scope=values.get("scope"),
                   timeout=timeout)


def _read(name: object, base: Path | None) -> str:
    if not isinstance(name, str):
        raise ProfileError("a key or secret file must be named by a string")
    path = Path(name).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror}") from None
