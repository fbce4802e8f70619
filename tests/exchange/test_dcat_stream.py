"""`/open/dcat.jsonld` is streamed (issue 17): written a node at a time, the same document
`catalog_jsonld` builds whole, the catalogue first."""

from __future__ import annotations

import json

from catalog import RESOURCES
from exchange.opendata import catalog_jsonld, catalog_jsonld_stream


def test_the_dcat_document_is_streamed_and_equals_the_whole_one(shared_api):
    response = shared_api.http.get("/open/dcat.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert "content-length" not in response.headers  # sent as written, not measured first
    streamed = json.loads(response.content.decode("utf-8"))
    whole = catalog_jsonld(shared_api.hub)
    assert streamed == whole
    graph = streamed["@graph"]
    assert graph[0]["@type"] == "dcat:Catalog"
    datasets = [n for n in graph if n["@type"] == "dcat:Dataset"]
    assert [d["@id"] for d in datasets] == [i["@id"] for i in graph[0]["dcat:dataset"]]
    assert {d["dct:identifier"] for d in datasets} <= set(RESOURCES)
    chunks = list(catalog_jsonld_stream(shared_api.hub))
    assert len(chunks) == len(graph) + 1  # a chunk per node, and the closing one
