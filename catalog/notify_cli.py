"""`hub notify`: notification subscriptions (administrators), delivery and its log.

The same service functions as the API's `/v1/notify` routes (`catalog.notify`); `deliver`
sends what is due (`catalog.notify_delivery`), for hubs where no API server runs or from cron.
"""

from __future__ import annotations

import json
import time

import click

from catalog.i18n import _, lazy
from catalog.listing import echo_lines
from catalog.settings import get_settings

__all__ = ["register"]


def _registry():
    from catalog.registry import open_registry

    return open_registry(get_settings(), declare=False)


def _add(channel: str, target: str, department: str | None, user: str | None,
         events: tuple[str, ...], actor: str) -> None:
    from catalog.notify import add_subscription, webhook_secret

    sub = add_subscription(_registry(), channel, target, events, department=department,
                           user=user, created_by=actor)
    shown = {"id": sub.id, "channel": sub.channel, "target": sub.target,
             "department": sub.department, "user": sub.user, "events": sub.events}
    if channel == "webhook":
        shown["secret"] = webhook_secret(get_settings(), sub.id)
    click.echo(json.dumps(shown, ensure_ascii=False))


def _who(function):
    for option in reversed((
        click.option("--department",
                     help=lazy("Every event concerning this department (code).")),
        click.option("--user", help=lazy("The events about this user's own orders (client id).")),
        click.option("--event", "events", multiple=True, required=True,
                     help=lazy("An event key (`hub notify events`); repeat for several.")),
        click.option("--actor", default="cli", show_default=True,
                     help=lazy("Who adds it (kept with it).")),
    )):
        function = option(function)
    return function


def register(main: click.Group) -> None:
    @main.group("notify", help=lazy(
        "Notifications: webhooks and e-mail when something needs people."))
    def group() -> None:
        pass

    @group.command("events", help=lazy(
        "The event keys a subscription may name, with their titles."))
    def events() -> None:
        from catalog.notify import EVENTS

        for key, kind in EVENTS.items():
            click.echo(f"{key}\t{kind.title}")

    @group.command("add-webhook", help=lazy(
        "POST signed events to URL; prints the signing secret (shown here only)."))
    @click.argument("url")
    @_who
    def add_webhook(url, department, user, events, actor) -> None:
        _add("webhook", url, department, user, events, actor)

    @group.command("add-email", help=lazy("E-mail events to ADDRESS through HUB_SMTP_URL."))
    @click.argument("address")
    @_who
    def add_email(address, department, user, events, actor) -> None:
        _add("email", address, department, user, events, actor)

    @group.command("list", help=lazy(
        "The subscriptions (tab-separated: id, channel, who, events, target)."))
    def list_() -> None:
        from catalog.notify import subscriptions

        rows, _total = subscriptions(_registry())
        echo_lines((f"{s.id}\t{s.channel}\t"
                    f"{'department:' + s.department if s.department else 'user:' + str(s.user)}"
                    f"\t{','.join(s.events)}\t{s.target}" for s in rows),
                   _("no subscriptions"))

    @group.command("remove", help=lazy(
        "Stop a subscription (its pending deliveries are dropped)."))
    @click.argument("subscription_id")
    def remove(subscription_id) -> None:
        from catalog.notify import remove_subscription

        remove_subscription(_registry(), subscription_id)
        click.echo(_("removed {id}", id=subscription_id))

    @group.command("log", help=lazy(
        "The delivery log, newest first: id, event, channel, status, attempts, last HTTP "
        "status, last error, target."))
    @click.option("--status", type=click.Choice(["pending", "delivered", "failed"]))
    @click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
    def log(status, limit) -> None:
        from catalog.notify import deliveries

        rows, _total = deliveries(_registry(), status, 0, limit)
        echo_lines((f"{d.id}\t{event}\t{d.channel}\t{d.status}\t{d.attempts}\t"
                    f"{d.last_status_code or '-'}\t{d.last_error or '-'}\t{d.target}"
                    for d, event in rows), _("no deliveries"))

    @group.command("deliver", help=lazy(
        "Send every notification that is due now (once; --drain: until none is pending)."))
    @click.option("--drain", is_flag=True,
                  help=lazy("Keep going, waiting out each retry's backoff, until nothing is "
                            "pending (or --max-wait passes)."))
    @click.option("--max-wait", type=click.FloatRange(0, 86_400), default=600.0,
                  show_default=True, help=lazy("Seconds --drain waits at most."))
    def deliver(drain, max_wait) -> None:
        from catalog.notify_delivery import deliver_due
        from catalog.registry import utcnow

        settings, registry = get_settings(), _registry()
        totals = {"delivered": 0, "retrying": 0, "failed": 0}
        give_up = time.monotonic() + max_wait
        while True:
            result = deliver_due(registry, settings)
            totals["delivered"] += result.delivered
            totals["failed"] += result.failed
            totals["retrying"] = result.retrying
            if not drain or result.next_due is None:
                break
            wait = max((result.next_due - utcnow()).total_seconds(), 0.0)
            if time.monotonic() + wait > give_up:
                break
            time.sleep(wait)
        values = {"delivered": totals["delivered"], "failed": totals["failed"],
                  "retrying": totals["retrying"]}
        click.echo(_("delivered {delivered}, failed {failed}, retrying {retrying} (pending)",
                     **values) if result.next_due is not None else
                   _("delivered {delivered}, failed {failed}, retrying {retrying} (none pending)",
                     **values))
