"""The sharing API (一网共享): OAuth2 server, orders and review, fulfilment, verification, audit."""

from catalog.lazy import lazy_exports

# Imported on first use: the `hub` command loads this package for its sub-commands only.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "exchange.app": ("create_app",),
    "exchange.audit_log": ("AuditLog",),
    "exchange.clients": ("create_client", "revoke_client", "rotate_secret"),
    "exchange.context": ("Hub",),
})
