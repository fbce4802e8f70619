"""The sharing API (一网共享): OAuth2 server, orders and review, fulfilment, verification, audit."""

from exchange.app import create_app
from exchange.audit_log import AuditLog
from exchange.clients import create_client, revoke_client, rotate_secret
from exchange.context import Hub

__all__ = ["AuditLog", "Hub", "create_app", "create_client", "revoke_client", "rotate_secret"]
