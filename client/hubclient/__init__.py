"""A light client of the city data hub (一网共享) for the departments that use its grants.

    with HubClient.from_profile("~/.hub/profile.json") as hub:
        frame = hub.load_as_pandas(order_id)

Public surface: `HubClient`, `Profile`, `Verification`, and the typed exceptions of
`hubclient.errors` (`ApiError` and its families, `ManifestMismatch`, `ProfileError`).
"""

from hubclient import errors
from hubclient.client import ARROW_STREAM, HubClient, Verification
from hubclient.errors import ApiError, HubClientError, ManifestMismatch, ProfileError
from hubclient.profile import Profile

__all__ = ["ARROW_STREAM", "ApiError", "HubClient", "HubClientError", "ManifestMismatch",
           "Profile", "ProfileError", "Verification", "errors"]
