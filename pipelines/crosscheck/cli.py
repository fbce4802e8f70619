"""`hub crosscheck run|score|review|stats|show|issues`: the cross-check from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from catalog import HubSettings, get_settings
from catalog.i18n import _, lazy

__all__ = ["register_crosscheck", "run_crosscheck_job"]


def run_crosscheck_job(settings: HubSettings, policy: Path | None = None) -> bool:
    """Run the `crosscheck` Dagster job in this process, on the hub's Dagster instance."""
    from pipelines.runs import run_job

    config: dict = {}
    if policy is not None:
        config["ops"] = {"crosscheck__flags": {"config": {"policy_path": str(policy.resolve())}}}
    return run_job(settings, "crosscheck", _("Cross-check"), run_config=config)


def _connection():
    from catalog.lake import connect

    settings = get_settings()
    if not settings.analyst_db.exists():
        raise click.ClickException(_("nothing is published yet: run `hub materialize` first"))
    return connect(settings, settings.analyst_db, read_only=True)


def register_crosscheck(main: click.Group) -> None:
    @main.group("crosscheck", help=lazy("社会救助数据比对: flags, reviews, accuracy."))
    def group() -> None:
        """社会救助数据比对: flags, reviews, accuracy."""

    @group.command("run", help=lazy("Cross-check every active case now (the `crosscheck` job) "
                                    "and print flags per rule."))
    @click.option("--policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help=lazy("Policy file (default: policies/crosscheck.toml)."))
    def run(policy: Path | None) -> None:
        """Cross-check every active case now (the `crosscheck` job) and print flags per rule."""
        from catalog.cli import open_registry
        from catalog.reviews import latest_run

        if not run_crosscheck_job(get_settings(), policy):
            raise click.ClickException(_("the cross-check failed: see the Dagster run log"))
        done = latest_run(open_registry())
        assert done is not None
        click.echo(_("run {run}: {n} flags, reference month {month}", run=done.run_id,
                     n=done.rows, month=done.reference_month))
        for rule, n in done.raised.items():
            click.echo(f"  {rule:16} {n:>6}")
        for code, n in done.unlinked.items():
            click.echo("  " + _("unlinked {code} {n} (reported to the department)", code=code,
                                n=n))

    @group.command("score", help=lazy("Precision and recall per rule at (case_no, rule) level "
                                      "against a truth."))
    @click.option("--truth", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  required=True,
                  help=lazy("CSV with case_no,rule (e.g. <city>/truth/crosscheck.csv)."))
    @click.option("--flags", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                  help=lazy("A flags Parquet file (default: the latest run's)."))
    def score_command(truth: Path, flags: Path | None) -> None:
        """Precision and recall per rule at (case_no, rule) level against a truth."""
        from catalog.cli import open_registry
        from catalog.reviews import latest_run
        from pipelines.crosscheck.score import echo_score, read_flag_pairs, read_truth, score

        if flags is None:
            done = latest_run(open_registry())
            if done is None:
                raise click.ClickException(_("no cross-check has run yet: `hub crosscheck run`"))
            flags = Path(done.flags_path)
        try:
            expected = read_truth(truth)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        echo_score(score(read_flag_pairs(flags), expected))

    @group.command("review", help=lazy("Confirm or dismiss one flag of the current run, with a "
                                       "note."))
    @click.argument("case_no")
    @click.argument("rule")
    @click.argument("id_number")
    @click.option("--decision", type=click.Choice(["confirmed", "dismissed"]), required=True)
    @click.option("--note", required=True, help=lazy("Why: what the reviewer checked."))
    @click.option("--reviewer", required=True, help=lazy("Who decided."))
    def review(case_no: str, rule: str, id_number: str, decision: str, note: str,
               reviewer: str) -> None:
        """Confirm or dismiss one flag of the current run, with a note."""
        from catalog.cli import open_registry
        from catalog.reviews import FlagKey, review_flag

        with _connection() as con:
            done = review_flag(open_registry(), con, FlagKey(case_no, rule, id_number),
                               decision, note, reviewer)
        click.echo(_("{decision}: {case} {rule} {id_number} (evidence {fingerprint}…)",
                     decision=_("confirmed") if done.decision == "confirmed" else _("dismissed"),
                     case=case_no, rule=rule, id_number=id_number,
                     fingerprint=done.fingerprint[:12]))

    @group.command("stats", help=lazy("Per rule: flags raised by the latest run, suppressed, "
                                      "confirmed and dismissed."))
    def stats() -> None:
        """Per rule: flags raised by the latest run, suppressed, confirmed and dismissed."""
        from catalog.cli import open_registry
        from catalog.listing import echo_table
        from catalog.reviews import review_stats

        rows = review_stats(open_registry())
        table = []
        for rule, n in rows.items():
            decided = n["confirmed"] + n["dismissed"]
            rate = f"{n['confirmed'] / decided:.2f}" if decided else "-"
            table.append((rule, n["raised"], n["suppressed"], n["confirmed"], n["dismissed"],
                          rate))
        echo_table([_("rule"), _("raised"), _("suppressed"), _("confirmed"), _("dismissed"),
                    _("confirm rate")], table, _("no flags raised yet: `hub crosscheck run`"),
                   right=frozenset(range(1, 6)))

    @group.command("show", help=lazy("The current flags of one case (JSON), with their "
                                     "evidence."))
    @click.argument("case_no")
    def show(case_no: str) -> None:
        """The current flags of one case (JSON), with their evidence."""
        from catalog.reviews import flags_of_case

        with _connection() as con:
            rows = flags_of_case(con, case_no)
        for row in rows:
            row["evidence"] = json.loads(row["evidence"])
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))

    @group.command("issues", help=lazy("Records the latest run could not link, as reported to "
                                       "their departments."))
    @click.option("--department", help=lazy("Only this department's records, e.g. ga."))
    @click.option("--limit", default=20, show_default=True)
    def issues(department: str | None, limit: int) -> None:
        """Records the latest run could not link, as reported to their departments."""
        import duckdb

        from catalog.cli import open_registry
        from catalog.reviews import latest_run

        done = latest_run(open_registry())
        if done is None:
            raise click.ClickException(_("no cross-check has run yet: `hub crosscheck run`"))
        with duckdb.connect() as con:
            rows = con.execute(
                "SELECT department, resource_code, batch_id, record_no, record_key, id_number, "
                "message FROM read_parquet(?) WHERE ? IS NULL OR department = ? LIMIT ?",
                [done.issues_path, department, department, limit]).fetchall()
        from catalog.listing import echo_lines

        echo_lines(("  ".join(str(v) for v in row) for row in rows),
                   _("no unlinked records of department {department}", department=department)
                   if department else _("no unlinked records"))
