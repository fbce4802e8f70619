"""The authorization server's endpoints: token (RFC 6749), JWKS, server metadata (RFC 8414)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from exchange.deps import AuditCtx, CurrentCaller, HubDep
from exchange.oauth import TokenRequest, token_endpoint_url
from exchange.roles import SCOPES
from exchange.schemas import Me

router = APIRouter(tags=["authorization"])


class TokenForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grant_type: str = Field(max_length=64, description="`client_credentials`.")
    scope: str | None = Field(default=None, max_length=1000,
                              description="Space-separated scopes; default: all your roles allow.")
    client_id: str | None = Field(default=None, max_length=64)
    client_secret: str | None = Field(default=None, max_length=256)
    client_assertion_type: str | None = Field(default=None, max_length=128)
    client_assertion: str | None = Field(default=None, max_length=8192)


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


@router.post("/oauth/token", response_model=TokenOut, responses={
    400: {"description": "RFC 6749 §5.2 error: `{\"error\": ..., \"error_description\": ...}`"},
    401: {"description": "RFC 6749 §5.2 error (`invalid_client`)"}})
async def token(request: Request, form: Annotated[TokenForm, Form()], hub: HubDep,
                record: AuditCtx) -> JSONResponse:
    """Issue an access token (client-credentials grant; secret or `private_key_jwt`)."""
    fields = {k: v for k, v in form.model_dump().items() if v is not None}
    authorization = request.headers.get("authorization")
    headers = {"Authorization": authorization} if authorization else {}
    oauth_request = TokenRequest(token_endpoint_url(hub.settings), headers, fields)
    status, body, extra = await run_in_threadpool(
        request.app.state.oauth.create_token_response, oauth_request)
    client = oauth_request.client
    record.client_id = client.get_client_id() if client else None
    if client:
        record.department, record.roles = client.record.department, list(client.record.roles)
    record.detail = {"grant_type": form.grant_type[:64], "scope": body.get("scope")
                     if status == 200 else (form.scope or "")[:200],
                     **({"error": body.get("error")} if status != 200 else {})}
    return JSONResponse(body, status_code=status, headers=dict(extra))


@router.get("/.well-known/jwks.json")
def jwks(hub: HubDep) -> dict:
    """The public keys that sign access tokens (rotated by `kid`)."""
    return hub.keys.jwks()


@router.get("/.well-known/oauth-authorization-server")
def metadata(hub: HubDep) -> dict:
    """Authorization-server metadata (RFC 8414)."""
    issuer = hub.settings.api_issuer.rstrip("/")
    return {
        "issuer": hub.settings.api_issuer,
        "token_endpoint": token_endpoint_url(hub.settings),
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic", "client_secret_post", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "scopes_supported": sorted(SCOPES),
    }


@router.get("/v1/me", response_model=Me)
def me(caller: CurrentCaller) -> Me:
    """Who the token says you are: client, department, roles, scopes."""
    return Me(client_id=caller.client_id, department=caller.department,
              roles=list(caller.roles), scopes=sorted(caller.scopes), district=caller.district)
