"""A grant read straight into Arrow and pandas from a live hub, checked against the delivery
manifest; an altered stream or an unknown order is a typed exception, never data."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import httpx
import pandas as pd
import pyarrow as pa
import pytest
from hubclient import HubClient, ManifestMismatch
from hubclient.errors import NotFound, OrderExpired, QuotaExhausted, WrongMode

CREDIT = "市场主体信用监管"  # a purpose under which identity numbers are tokenised
ITEMS = ["uscc", "name", "status", "legal_rep_id_number"]


def _order(hub: HubClient, **fields) -> dict:
    body = {"mode": "extract", "items": ITEMS, "purpose": CREDIT,
            "legal_basis": "《企业信息公示暂行条例》第十四条",
            "valid_until": date.today() + timedelta(days=30), "quota_calls": 10, **fields}
    return hub.place_order("sj.enterprises", **body)


def test_a_grant_read_into_arrow_and_pandas(hub, live):
    order = _order(hub)
    assert order["status"] == "approved"  # 无条件共享: no review
    assert order["id"] in [o["id"] for o in hub.list_orders()]
    assert [o["id"] for o in hub.list_orders(status="approved")] == [order["id"]]

    table = hub.load_as_arrow(order)
    assert set(ITEMS) <= set(table.column_names)
    assert "entity_type" not in table.column_names  # not ordered, not delivered
    assert table.num_rows > 0
    ids = set(table.column("legal_rep_id_number").to_pylist()) - {None}
    assert ids and not any(len(v) == 18 and v[:17].isdigit() for v in ids)  # tokenised
    frame = hub.load_as_pandas(order["id"])
    assert isinstance(frame, pd.DataFrame)
    assert frame.equals(table.to_pandas())

    # Each load was one delivery of the order, complete, its manifest what the client checked.
    manifests = hub.deliveries(order)
    assert [(m["format"], m["status"], m["rows"]) for m in manifests] == [
        ("arrow", "complete", table.num_rows)] * 2
    assert manifests[0]["sha256"] == manifests[1]["sha256"]
    assert hub.order(order)["calls_used"] == 2

    # The same bytes fetched by hand hash to the manifest the client compared against.
    raw = live.http.get(f"/v1/orders/{order['id']}/extract", params={"format": "arrow"},
                        headers=live.as_("requester"))
    assert hashlib.sha256(raw.content).hexdigest() == manifests[0]["sha256"]
    assert pa.ipc.open_stream(raw.content).read_all().equals(table)


class _Tampering(httpx.BaseTransport):
    """A real connection to the hub whose extract bodies are altered on the way (a proxy
    rewriting one value): the bytes still parse as Arrow, only the manifest can tell."""

    def __init__(self, find: bytes, replace: bytes) -> None:
        self._inner = httpx.HTTPTransport()
        self._find, self._replace = find, replace
        self.altered = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if not request.url.path.endswith("/extract") or response.status_code != 200:
            return response
        body = response.read()
        response.close()
        assert self._find in body
        self.altered += 1
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "transfer-encoding")]
        return httpx.Response(200, headers=headers,
                              content=body.replace(self._find, self._replace, 1))


def test_an_altered_extract_is_refused(hub, live):
    order = _order(hub)
    uscc = hub.load_as_arrow(order).column("uscc")[0].as_py()
    forged = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    tampering = _Tampering(uscc.encode(), forged.encode())
    client_id, secret = live.secrets["requester"]
    with HubClient(str(live.http.base_url), client_id, client_secret=secret,
                   transport=tampering) as client, pytest.raises(ManifestMismatch) as caught:
        client.load_as_arrow(order)
    assert tampering.altered == 1
    assert caught.value.problems == ["SHA-256 differs"]  # same size, same rows: only the hash
    assert caught.value.delivery_id.startswith("dlv_")
    # The hub's own record of what it sent is intact.
    assert hub.delivery(caught.value.delivery_id)["status"] == "complete"


def test_unknown_and_unusable_orders_are_typed_errors(hub, live):
    with pytest.raises(NotFound) as caught:
        hub.load_as_arrow("ord_0000000000000000")
    assert (caught.value.code, caught.value.status) == ("not_found", 404)
    assert caught.value.message == "No such order."
    with pytest.raises(NotFound):  # a path trick is an unknown order, not another route
        hub.load_as_arrow("../deliveries/x")

    # Another department's order is as unknown as one that does not exist.
    theirs = live.order("other", resource="sj.enterprises", purpose=CREDIT)
    with pytest.raises(NotFound):
        hub.load_as_arrow(theirs)

    verify = _order(hub, mode="verify", items=[])
    with pytest.raises(WrongMode) as wrong:
        hub.load_as_arrow(verify)
    assert wrong.value.code == "wrong_mode" and wrong.value.status == 403

    once = _order(hub, quota_calls=1)
    hub.load_as_arrow(once)
    with pytest.raises(QuotaExhausted) as used:
        hub.load_as_arrow(once)
    assert used.value.status == 429 and used.value.code == "quota_exhausted"


def test_an_expired_order(hub, live):
    from sqlalchemy import update

    from exchange.models import Order

    order = _order(hub)
    with live.hub.store.session() as s:
        s.execute(update(Order).where(Order.id == order["id"]).values(
            valid_from=date.today() - timedelta(days=10),
            valid_until=date.today() - timedelta(days=1)))
    with pytest.raises(OrderExpired) as caught:
        hub.load_as_pandas(order)
    assert str(caught.value) == "order_expired: The order is expired."
