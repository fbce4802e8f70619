"""The DCAT-AP 3.0 export parses as JSON-LD (rdflib, nothing fetched) and carries every
mandatory property, plus the recommended ones the catalog knows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
import rdflib.namespace as ns  # its names, imported bare, warn under pytest

from catalog import RESOURCES, HubSettings, Registry
from catalog import entries as e
from catalog.dcat import dcat_catalog

BASE = "https://data.huizhou.example"
EU = "http://publications.europa.eu/resource/authority/"
CDO = e.Actor("hub-cdo", "hub", frozenset({"cdo"}))
OPEN = {"sj.enterprises"}


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = Registry(f"sqlite:///{tmp_path / 'registry.db'}")
    registry.sync_declarations(list(RESOURCES.values()))
    return registry


@pytest.fixture
def settings(tmp_path: Path) -> HubSettings:
    return HubSettings(home=tmp_path, public_base_url=BASE + "/")


def graph_of(document: dict) -> rdflib.Graph:
    # Through text, as a harvester receives it; the inline @context is all it needs.
    return rdflib.Graph().parse(data=json.dumps(document, ensure_ascii=False), format="json-ld")


def _missing(graph: rdflib.Graph, kind, properties) -> list[tuple[str, str]]:
    """(node, property) of every node of `kind` lacking one of `properties` (SPARQL)."""
    out = []
    for prop in properties:
        rows = graph.query("SELECT ?n WHERE { ?n a ?kind . FILTER NOT EXISTS { ?n ?p ?v } }",
                           initBindings={"kind": kind, "p": prop})
        out += [(str(row.n), str(prop)) for row in rows]
    return out


@pytest.fixture
def graph(registry, settings) -> rdflib.Graph:
    return graph_of(dcat_catalog(registry, settings, OPEN))


def test_the_property_check_finds_what_is_missing(registry, settings):
    document = dcat_catalog(registry, settings, OPEN)
    population = next(n for n in document["@graph"] if n.get("dct:identifier") == "ga.population")
    del population["dct:description"]
    for node in population["dcat:distribution"]:
        del node["dcat:accessURL"]
    graph = graph_of(document)
    dataset = f"{BASE}/catalog/datasets/ga.population"
    assert _missing(graph, ns.DCAT.Dataset, [ns.DCTERMS.title, ns.DCTERMS.description]) == [
        (dataset, str(ns.DCTERMS.description))]
    assert _missing(graph, ns.DCAT.Distribution, [ns.DCAT.accessURL]) == [
        (f"{dataset}/distributions/sharing", str(ns.DCAT.accessURL))]


def test_the_context_is_inline_and_nothing_is_fetched(registry, settings):
    document = dcat_catalog(registry, settings, OPEN)
    assert isinstance(document["@context"], dict)
    assert not any(isinstance(v, str) and v.endswith((".jsonld", ".json"))
                   for v in document["@context"].values())


def test_catalogue_mandatory_properties(graph):
    catalogues = list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    assert catalogues == [rdflib.URIRef(f"{BASE}/catalog")]
    assert _missing(graph, ns.DCAT.Catalog, [ns.DCTERMS.title, ns.DCTERMS.description,
                                          ns.DCTERMS.publisher, ns.DCAT.dataset]) == []
    publishers = list(graph.objects(catalogues[0], ns.DCTERMS.publisher))
    assert len(publishers) == 1  # exactly one (DCAT-AP 3.0: 1..1)
    assert (publishers[0], ns.RDF.type, ns.FOAF.Agent) in graph


def test_every_entry_is_a_dataset_with_mandatory_and_recommended_properties(graph):
    datasets = set(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert {str(d).rsplit("/", 1)[1] for d in datasets} == set(RESOURCES)
    assert set(graph.objects(rdflib.URIRef(f"{BASE}/catalog"), ns.DCAT.dataset)) == datasets
    assert _missing(graph, ns.DCAT.Dataset, [ns.DCTERMS.title, ns.DCTERMS.description]) == []
    assert _missing(graph, ns.DCAT.Dataset, [
        ns.DCTERMS.identifier, ns.DCTERMS.publisher, ns.DCAT.contactPoint, ns.DCAT.keyword, ns.DCAT.theme,
        ns.DCTERMS.accessRights, ns.DCTERMS.accrualPeriodicity, ns.DCTERMS.issued,
        ns.DCAT.distribution]) == []
    population = rdflib.URIRef(f"{BASE}/catalog/datasets/ga.population")
    assert str(graph.value(population, ns.DCTERMS.identifier)) == "ga.population"
    assert graph.value(population, ns.DCTERMS.accrualPeriodicity) == \
        rdflib.URIRef(f"{EU}frequency/MONTHLY")
    assert graph.value(population, ns.DCTERMS.issued) == rdflib.Literal(
        "2026-01-01", datatype=rdflib.XSD.date)
    titles = {(t.language, str(t)) for t in graph.objects(population, ns.DCTERMS.title)}
    assert titles == {("zh", "户籍人口"), ("en", "Household-registered population")}


def test_every_distribution_and_agent_has_its_mandatory_property(graph):
    assert len(set(graph.subjects(ns.RDF.type, ns.DCAT.Distribution))) >= len(RESOURCES)
    assert _missing(graph, ns.DCAT.Distribution, [ns.DCAT.accessURL]) == []
    agents = set(graph.subjects(ns.RDF.type, ns.FOAF.Agent))
    assert {str(a).rsplit("/", 1)[1] for a in agents} == {
        r.provider.code for r in RESOURCES.values()} | {"hub"}
    assert _missing(graph, ns.FOAF.Agent, [ns.FOAF.name]) == []
    # Every publisher named anywhere is described as an agent.
    assert set(graph.objects(None, ns.DCTERMS.publisher)) <= agents


def test_open_datasets_are_public_with_licensed_downloads(graph, settings):
    enterprises = rdflib.URIRef(f"{BASE}/catalog/datasets/sj.enterprises")
    assert graph.value(enterprises, ns.DCTERMS.accessRights) == \
        rdflib.URIRef(f"{EU}access-right/PUBLIC")
    assert graph.value(enterprises, ns.DCAT.landingPage) == \
        rdflib.URIRef(f"{BASE}/open/v1/resources/sj.enterprises")
    downloads = {}
    for dist in graph.objects(enterprises, ns.DCAT.distribution):
        assert graph.value(dist, ns.DCTERMS.license) == rdflib.URIRef(settings.open_data_licence)
        downloads[str(graph.value(dist, ns.DCTERMS.format)).rsplit("/", 1)[1]] = (
            str(graph.value(dist, ns.DCAT.downloadURL)), str(graph.value(dist, ns.DCAT.mediaType)),
            str(graph.value(dist, ns.DCAT.accessURL)))
    base = f"{BASE}/open/v1/resources/sj.enterprises/data"
    iana = "https://www.iana.org/assignments/media-types/"
    assert downloads == {
        "CSV": (f"{base}.csv", f"{iana}text/csv", f"{base}.csv"),
        "PARQUET": (f"{base}.parquet", f"{iana}application/vnd.apache.parquet",
                    f"{base}.parquet")}


def test_datasets_that_are_not_open_have_no_download(graph):
    rows = graph.query("""
        SELECT ?d ?rights WHERE {
          ?d a dcat:Dataset ; dct:accessRights ?rights .
          FILTER NOT EXISTS { ?d dct:identifier "sj.enterprises" }
        }""", initNs={"dcat": ns.DCAT, "dct": ns.DCTERMS})
    assert len(rows) == len(RESOURCES) - 1
    assert {str(r.rights) for r in rows} == {f"{EU}access-right/NON_PUBLIC"}
    leaks = graph.query("""
        SELECT ?d WHERE {
          ?d a dcat:Dataset ; dcat:distribution ?x .
          { ?x dcat:downloadURL ?u } UNION { ?x dct:license ?l } UNION { ?d dcat:landingPage ?p }
          FILTER NOT EXISTS { ?d dct:identifier "sj.enterprises" }
        }""", initNs={"dcat": ns.DCAT, "dct": ns.DCTERMS})
    assert list(leaks) == []
    population = rdflib.URIRef(f"{BASE}/catalog/datasets/ga.population")
    (access,) = graph.objects(population, ns.DCAT.distribution)
    assert str(graph.value(access, ns.DCAT.accessURL)) == f"{BASE}/v1/resources/ga.population"


def test_an_open_resource_the_open_service_does_not_serve_has_no_download(registry, settings):
    graph = graph_of(dcat_catalog(registry, settings, set()))
    assert list(graph.subjects(ns.DCAT.downloadURL, None)) == []


def test_published_revisions_and_retirement_show(registry, settings):
    officer = e.Actor("sj-officer", "sj", frozenset({"reviewer"}))
    e.propose(registry, "sj.enterprises", {"abstract": "全市市场主体登记信息（法人库）。"},
              officer)
    e.submit(registry, "sj.enterprises", officer)
    e.publish(registry, "sj.enterprises", CDO, "已核")
    e.retire(registry, "ga.vehicles", CDO, "由交警系统直接提供")
    graph = graph_of(dcat_catalog(registry, settings, OPEN))
    enterprises = rdflib.URIRef(f"{BASE}/catalog/datasets/sj.enterprises")
    assert str(graph.value(enterprises, ns.DCTERMS.description)) == "全市市场主体登记信息（法人库）。"
    assert graph.value(enterprises, ns.DCTERMS.modified).datatype == rdflib.XSD.dateTime
    assert (rdflib.URIRef(f"{BASE}/catalog/datasets/ga.vehicles"), ns.RDF.type,
            ns.DCAT.Dataset) not in graph
