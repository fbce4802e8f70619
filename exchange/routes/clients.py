"""Client and user administration (administrators); `hub clients` does the same offline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from exchange import clients
from exchange.access import authorize
from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.errors import ApiError
from exchange.paging import Page, PagingDep
from exchange.roles import Action
from exchange.schemas import ClientCreate, ClientIssued, ClientOut

router = APIRouter(prefix="/v1/clients", tags=["clients"])
ClientId = Annotated[str, Path(max_length=64)]


@router.get("", response_model=Page[ClientOut])
def list_clients(caller: CurrentCaller, hub: HubDep, paging: PagingDep) -> dict:
    """Registered clients and users (never their secrets or hashes)."""
    authorize(caller, Action.CLIENT_ADMIN)
    return paging.cut(clients.list_clients(hub.store))


@router.post("", status_code=201, response_model=ClientIssued)
async def create_client(body: ClientCreate, caller: CurrentCaller, hub: HubDep,
                        record: AuditCtx) -> ClientIssued:
    """Register a client or user; the secret is in this response only."""
    authorize(caller, Action.CLIENT_ADMIN)
    record.detail = {"target": body.client_id, "roles": body.roles}
    try:
        issued = await run_in_threadpool(
            clients.create_client, hub.store, body.client_id, body.name, body.department,
            list(body.roles), kind=body.kind, district=body.district,
            auth_method=body.auth_method, public_jwks=body.public_jwks)
    except clients.ClientError as exc:
        raise ApiError(409 if "exists" in str(exc) else 422, "invalid_client", str(exc)) from None
    return ClientIssued(client_id=issued.client_id, client_secret=issued.secret)


@router.post("/{client_id}/rotate", response_model=ClientIssued)
async def rotate_client(client_id: ClientId, caller: CurrentCaller, hub: HubDep,
                        record: AuditCtx) -> ClientIssued:
    """A new secret; the old one and every token issued before now stop working."""
    authorize(caller, Action.CLIENT_ADMIN)
    record.detail = {"target": client_id}
    try:
        issued = await run_in_threadpool(clients.rotate_secret, hub.store, client_id)
    except clients.ClientError:
        raise ApiError(404, "not_found", "No such client.") from None
    return ClientIssued(client_id=issued.client_id, client_secret=issued.secret)


@router.post("/{client_id}/revoke", status_code=204)
def revoke_client(client_id: ClientId, caller: CurrentCaller, hub: HubDep,
                  record: AuditCtx) -> None:
    """Deactivate a client; its live tokens are refused at once."""
    authorize(caller, Action.CLIENT_ADMIN)
    record.detail = {"target": client_id}
    try:
        clients.revoke_client(hub.store, client_id)
    except clients.ClientError:
        raise ApiError(404, "not_found", "No such client.") from None
