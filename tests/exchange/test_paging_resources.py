"""Every list is paged (issue 17): `/v1/resources` in the paging envelope, with its total."""

from __future__ import annotations

from catalog import RESOURCES


def test_the_api_pages_the_directory_with_its_total(shared_api):
    headers = shared_api.as_("requester")
    first = shared_api.http.get("/v1/resources?limit=5", headers=headers).json()
    assert (first["total"], first["offset"], first["limit"], first["next_offset"]) == (
        len(RESOURCES), 0, 5, 5)
    codes, offset = [], 0
    while offset is not None:
        page = shared_api.http.get(f"/v1/resources?limit=5&offset={offset}",
                                   headers=headers).json()
        assert page["total"] == len(RESOURCES)
        codes += [r["code"] for r in page["items"]]
        assert all(r["status"] == "published" for r in page["items"])
        offset = page["next_offset"]
    assert codes == sorted(RESOURCES)
