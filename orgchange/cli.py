"""The `orgchange` command line (docs/cli.md).

Exit codes: 0 done; 1 a change was rejected (a rule of the register) or the
database could not be used; 2 the input was malformed (not YAML/JSON, unknown
type, missing or ill-typed field) or the command was used wrongly.

What is printed for people passes through `for_terminal` (text) or
`json_for_terminal` (JSON): text from the register is shown with its control
characters escaped (`\x1b`), never sent raw to the terminal.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError as SAOperationalError

from orgchange.application.changefile import dump_change_file, load_change_file, parse_change_file
from orgchange.application.config import get_settings, setting_problems
from orgchange.application.dates import parse_date, parse_datetime
from orgchange.application.documents import diagrams
from orgchange.application.documents.charts import OrgChart, chart_json, chart_text
from orgchange.application.errors import MalformedInput
from orgchange.application.escaping import for_terminal, json_for_terminal
from orgchange.domain import messages
from orgchange.domain.errors import ChangeRejected, OrgChangeError
from orgchange.domain.messages import set_language

if TYPE_CHECKING:  # open data is imported when it is asked for
    from orgchange.application.opendata import ExportFormat

SAMPLE = "nacka-2012-2018.yaml"


class Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_date(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class Instant(click.ParamType):
    name = "ISO-8601 instant"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_datetime(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


DAY = Day()
INSTANT = Instant()


# What the command line says when all went well, in the language of ORGCHANGE_LANGUAGE
# (the refusals are in the register's catalogue, orgchange/domain/messages.py, and start
# with `error:` in both languages, docs/cli.md#language).
T = messages.Template
LINES: dict[str, messages.Template] = {
    "recorded": T(
        "{source}: {recorded} ändring(ar) registrerade, {skipped} redan registrerade och överhoppade",
        "{source}: {recorded} change(s) recorded, {skipped} already recorded and skipped",
    ),
    "decisions-recorded": T(
        "{source}: {recorded} beslut registrerade, {skipped} redan registrerade och överhoppade",
        "{source}: {recorded} decision(s) recorded, {skipped} already recorded and skipped",
    ),
    "decisions-sample": T(
        "{source}: {recorded} delegationsbeslut registrerade (illustrativa), "
        "{skipped} redan registrerade och överhoppade",
        "{source}: {recorded} delegated decision(s) recorded (illustrative), "
        "{skipped} already recorded and skipped",
    ),
    "renamed": T(
        "{source}: organisationen heter nu '{name}' ({was})",
        "{source}: the organisation's name is now '{name}' ({was})",
    ),
    "renamed:was": T("den hette '{name}'", "it was '{name}'"),
    "renamed:none": T("den hade inget namn", "it had none"),
    "dry-run": T(
        "{source}: giltig; ingenting registrerades (provkörning).",
        "{source}: valid; nothing was recorded (dry run).",
    ),
    "gap-opened": T(
        "  skulle lämnas utan delegat: {delegation} från {since}: {reason}",
        "  would leave without delegate: {delegation} from {since}: {reason}",
    ),
    "gap-closed": T(
        "  skulle få en delegat igen: {delegation}", "  would give a delegate again: {delegation}"
    ),
    "no-gaps": T("  ingen delegation lämnas utan delegat", "  no delegation is left without a delegate"),
    "finding": T(
        "  iakttagelse {code} {subject}{since}: {reason}", "  finding {code} {subject}{since}: {reason}"
    ),
    "finding:since": T(" från {day}", " from {day}"),
    "register-runs": T(
        "Registret sträcker sig från {first} till {last}. Prova: orgchange chart --as-of 2017-03-01",
        "The register runs from {first} to {last}. Try: orgchange chart --as-of 2017-03-01",
    ),
    "output:changed-by": T("INAKTUELL (ändrad av {changes})", "STALE (changed by {changes})"),
    "output:current": T("aktuell", "current"),
    "output": T(
        "#{id} {kind}: {description} [{start}..{end}] gjord {made} av {by} → {location}: {state}",
        "#{id} {kind}: {description} [{start}..{end}] made {made} by {by} → {location}: {state}",
    ),
    "diff": T("Ändringar mellan {start} och {end}:", "Changes between {start} and {end}:"),
    "diff:renamed": T("  ~ {key}: bytte namn {old} → {new}", "  ~ {key}: renamed {old} → {new}"),
    "diff:moved": T("  > {key}: flyttad från {old} till {new}", "  > {key}: moved from {old} to {new}"),
    "diff:reclassified": T(
        "  * {key}: ändrad från {old} till {new}", "  * {key}: reclassified from {old} to {new}"
    ),
    "diff:post-established": T("  + befattning {key}", "  + post {key}"),
    "diff:post-abolished": T("  - befattning {key}", "  - post {key}"),
    "diff:post-moved": T(
        "  > befattning {key}: flyttad från {old} till {new}", "  > post {key}: moved from {old} to {new}"
    ),
    "diff:none": T("  (inga ändringar)", "  (no changes)"),
    "rebuilt": T(
        "Läsmodellerna byggdes om från {count} händelse(r).", "Read models rebuilt from {count} event(s)."
    ),
    "backup": T(
        "Skrev {file}: en säkerhetskopia ({kind}) till och med händelse {event}.",
        "Wrote {file}: a {kind} backup up to event {event}.",
    ),
    "snapshot": T(
        "Ögonblicksbild av registret vid version {version}: {size} byte på {seconds:.1f} s.",
        "Snapshot of the register at version {version}: {size} bytes in {seconds:.1f} s.",
    ),
    "snapshot:none": T(
        "Ingen ögonblicksbild togs: den nyaste är av registret som det är nu (eller registret är tomt).",
        "No snapshot taken: the newest is of the register as it stands (or the register is empty).",
    ),
    "restored": T(
        "Återställde {file}: registret till och med händelse {event}.",
        "Restored {file}: the register up to event {event}.",
    ),
    "migrated:nothing": T(
        "Databasen är redan av den här versionen; inget behövde göras.",
        "The database is of this version already; nothing needed doing.",
    ),
    "token:none": T("'{name}' har ingen giltig token", "'{name}' has no active token"),
    "token:revoked": T("Token för '{name}' är återkallad.", "The token of '{name}' is revoked."),
    "token:listed": T(
        "{name}\t{role}\tskapad {created}\t{state}", "{name}\t{role}\tcreated {created}\t{state}"
    ),
    "token:active": T("giltig", "active"),
    "token:was-revoked": T("återkallad {when}", "revoked {when}"),
    "audit:cancelled": T("makulerade {change}", "cancelled {change}"),
    "audit:named": T("namngav organisationen", "named the organisation"),
    "audit:recorded": T("registrerade {change}", "recorded {change}"),
    "audit:cancelled-by": T(" (makulerad genom {change})", " (cancelled by {change})"),
    "audit:unknown": T("(inte registrerat)", "(not recorded)"),
    "aborted": T("Avbrutet!", "Aborted!"),
    # baseline import and baseline delegations (docs/baseline.md)
    "baseline:dry-run": T(
        "{source}: {count} ändring(ar) giltiga; ingenting registrerades (provkörning).",
        "{source}: {count} change(s) valid; nothing was recorded (dry run).",
    ),
    "baseline:not-recorded": T("inte registrerad: {problem}", "not recorded: {problem}"),
    "baseline:unmatched": T("ingen motsvarighet: {problem}", "unmatched: {problem}"),
    "baseline:refused": T(
        "{source}: {count} delegation(er) giltiga, {unmatched} delegat(er) utan motsvarighet: registreringen "
        "skulle avvisas (rätta dem, eller använd --partial); ingenting registrerades (provkörning).",
        "{source}: {count} delegation(s) valid, {unmatched} delegate(s) unmatched: recording would be "
        "refused (resolve them, or use --partial); nothing was recorded (dry run).",
    ),
    "baseline:delegations": T(
        "{source}: {count} delegation(er) giltiga{left_out}; ingenting registrerades (provkörning).",
        "{source}: {count} delegation(s) valid{left_out}; nothing was recorded (dry run).",
    ),
    "baseline:left-out": T(", {count} rad(er) skulle utelämnas", ", {count} row(s) would be left out"),
}
del T


def _line(key: str, /, **params: Any) -> str:
    """One of the command line's own `LINES` in the language of the command line."""
    language = messages.current_language()
    return (
        LINES[key]
        .in_language(language)
        .format_map(
            {
                name: messages.render(value, language) if isinstance(value, messages.Text) else value
                for name, value in params.items()
            }
        )
    )


def _echo(message: str, err: bool = False) -> None:
    """A line for people: text from the register in it cannot drive the terminal."""
    click.echo(for_terminal(message), err=err)


def _fail(message: str, code: int) -> NoReturn:
    _echo(f"error: {message}", err=True)
    sys.exit(code)


@contextmanager
def _user_errors() -> Iterator[None]:
    """User errors become plain messages and exit codes, never tracebacks."""
    try:
        yield
    except MalformedInput as error:
        for problem in error.problems:
            _echo(f"error: {problem}", err=True)
        sys.exit(2)
    except ChangeRejected as error:
        _fail(f"{error}\n{messages.text('CHANGE_REJECTED:nothing-recorded')}", 1)
    except OrgChangeError as error:
        _fail(str(error), 1)
    except SAOperationalError as error:
        first = str(error.orig or error).strip().splitlines()[0]
        _fail(str(messages.text("DATABASE_UNAVAILABLE:cli", detail=first)), 1)


class Context:
    def __init__(self, database_url: str | None):
        self.database_url = database_url or get_settings().database_url
        self._app = None

    @property
    def app(self):
        """The register, refused if the database is not of this version (`orgchange migrate`).

        A database without a recorded event is made at this version at once; one of an earlier
        version is left as it is until the operator migrates it; one of a newer version is
        never touched (docs/upgrading.md).
        """
        if self._app is None:
            self._app = self.open(migrate=False)
            _refuse_other_versions(self._app)
        return self._app

    def open(self, migrate: bool, snapshot_interval: int | None = None):
        from orgchange.application import OrgChange

        # One thread that may record many changes at once: a snapshot they make due is taken by
        # a child process while they are written (OrgChange, `snapshot_in_child`).
        return OrgChange(
            self.database_url,
            read_only=get_settings().read_only,
            migrate=migrate,
            snapshot_interval=snapshot_interval,
            snapshot_in_child=True,
        )

    def close(self) -> None:
        """At the command's end: a snapshot still being written is waited for, so that the
        process that starts next reads it."""
        if self._app is not None:
            self._app.wait_for_snapshot()


def _refuse_other_versions(app: Any) -> None:
    from orgchange.application.errors import DatabaseNeedsMigration, DatabaseTooNew

    if app.status.too_new is not None:
        raise DatabaseTooNew(app.status.too_new)
    if app.status.needs_migration and not app.read_only:
        raise DatabaseNeedsMigration()


pass_context = click.make_pass_decorator(Context)


@click.group(help="orgchange: the register of organisational change.")
@click.option(
    "--db",
    "database_url",
    metavar="URL",
    help="Database URL (default: $ORGCHANGE_DATABASE_URL, else sqlite:///orgchange.db).",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    try:
        language = get_settings().language
    except ValidationError as error:
        for problem in setting_problems(error):
            _echo(f"error: {problem}", err=True)
        sys.exit(2)
    set_language(language)  # every message of this command, in ORGCHANGE_LANGUAGE
    ctx.obj = Context(database_url)
    ctx.call_on_close(ctx.obj.close)


def _progress_bar(label: str) -> Callable[[int, int], None] | None:
    """A progress bar on a terminal; nothing when output goes to a file or a pipe."""
    if not sys.stderr.isatty():
        return None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return update


def _record_file(obj: Context, change_file, source: str) -> None:
    settings = get_settings()
    result = obj.app.record_changes(
        change_file.changes,
        settings.recorded_by(),
        change_file.organisation,
        progress=_progress_bar(f"Recording {Path(source).name}"),
    )
    _echo(_line("recorded", source=source, recorded=len(result.recorded), skipped=len(result.skipped)))
    if result.renamed is not None:
        before = result.renamed.before
        was = _line("renamed:was", name=before) if before is not None else _line("renamed:none")
        _echo(_line("renamed", source=source, name=result.renamed.after, was=was))


@cli.command("import", help="Record the changes of one or more change files (each atomically).")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check the files and show their effect on delegations and their findings; record nothing.",
)
@pass_context
def import_(obj: Context, files: tuple[str, ...], dry_run: bool) -> None:
    with _user_errors():
        for path in files:
            change_file = load_change_file(path)
            if dry_run:
                _show_impact(path, obj.app.dry_run(change_file.changes))
            else:
                _record_file(obj, change_file, path)


def _show_impact(source: str, impact) -> None:
    _echo(_line("dry-run", source=source))
    for gap in impact.opened:
        _echo(_line("gap-opened", delegation=gap.delegation_id, since=gap.since, reason=gap.reason))
    for gap in impact.closed:
        _echo(_line("gap-closed", delegation=gap.delegation_id))
    if not (impact.opened or impact.closed):
        _echo(_line("no-gaps"))
    for finding in impact.findings:  # reported, never refused
        since = _line("finding:since", day=finding.since) if finding.since else ""
        _echo(
            _line("finding", code=finding.code, subject=finding.subject, since=since, reason=finding.reason)
        )


@cli.command(help="Record the bundled sample register (Nacka 2012–2018).")
@pass_context
def demo(obj: Context) -> None:
    with _user_errors():
        text = resources.files("orgchange").joinpath("sample", SAMPLE).read_bytes()
        _record_file(obj, parse_change_file(text, SAMPLE), SAMPLE)
        _record_sample_decisions(obj)
        first, last = obj.app.read_model.first_and_last_effective()
        _echo(_line("register-runs", first=first, last=last))


def _record_sample_decisions(obj: Context) -> None:
    """The sample's delegated decisions (illustrative), some without support after 2017."""
    from orgchange.application import decisions

    with _decision_errors():
        body = resources.files("orgchange").joinpath("sample", DECISIONS_SAMPLE).read_bytes()
        entries = decisions.parse_decisions(body, DECISIONS_SAMPLE)
        result = decisions.record_decisions(obj.app, entries, get_settings().recorded_by())
        recorded, skipped = len(result.recorded), len(result.skipped)
        _echo(_line("decisions-sample", source=DECISIONS_SAMPLE, recorded=recorded, skipped=skipped))


@cli.command(help="The org chart as of a date.")
@click.option("--as-of", "as_of", type=DAY, required=True)
@click.option("--known-at", "known_at", type=INSTANT, help="As the register knew it then.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "dot", "svg", "png", "pdf"]), default="text"
)
@click.option("--root", metavar="KEY", help="Only this unit and what stands under it.")
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    metavar="N",
    help="Only N levels below the root (or the top units); 0: the root alone.",
)
@click.option("--left-to-right", is_flag=True, help="Draw diagrams left to right.")
@click.option(
    "--paper",
    type=click.Choice(["a4", "a3"]),
    default="a4",
    help="PDF: the paper (an overview page, then a page per office and area).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@pass_context
def chart(
    obj: Context, as_of: date, known_at, fmt: str, root, depth, left_to_right: bool, paper: str, output
) -> None:
    with _user_errors():
        org = OrgChart.load(obj.app.read_model, as_of, known_at, root, depth)
        data: bytes
        if fmt == "pdf":
            from orgchange.application.documents.chart_book import ChartBook, chart_book_pdf

            book = ChartBook(org, paper, max_pages=get_settings().chart_max_pages)
            data = chart_book_pdf(book)
        elif fmt == "text":
            data = for_terminal(chart_text(org)).encode("utf-8")
        elif fmt == "json":
            data = json_for_terminal(chart_json(org)).encode("utf-8") + b"\n"
        else:
            data = org.diagram(fmt, left_to_right=left_to_right)
        _write(data, output)
        _remember(obj, output, "orgchart", f"organisationsschema {as_of}", as_of)


@cli.command(help="The delegationsordning as of a date: who may decide what on a board's behalf.")
@click.option("--as-of", "as_of", type=DAY, required=True)
@click.option("--board", metavar="KEY", help="Only this board's delegations.")
@click.option("--known-at", "known_at", type=INSTANT, help="As the register knew it then.")
@click.option(
    "--compare-with", "compare_with", type=DAY, help="Diagram: colour what changed since this date."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "html", "dot", "svg", "png"]),
    default="text",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@pass_context
def delegations(obj: Context, as_of: date, board, known_at, compare_with, fmt: str, output) -> None:
    from orgchange.application.documents.delegationsordning import Delegationsordning, before_after

    with _user_errors():
        document = Delegationsordning.load(obj.app.read_model, as_of, board, known_at)
        if fmt in diagrams.FORMATS and compare_with is not None:
            earlier = Delegationsordning.load(obj.app.read_model, compare_with, board, known_at)
            data = before_after(earlier, document, fmt)
        elif fmt in diagrams.FORMATS:
            data = document.diagram(fmt)
        elif fmt == "json":
            data = json_for_terminal(document.as_json()).encode() + b"\n"
        else:
            # CSV and HTML are made without control characters (`printable`); CSV's lines end in CR LF.
            text = {"text": document.as_text, "csv": document.as_csv, "html": document.as_html}[fmt]()
            data = (for_terminal(text) if fmt == "text" else text).encode("utf-8")
        _write(data, output)
        _remember(obj, output, "delegations", f"delegationsordning {as_of}", compare_with or as_of, as_of)


@cli.command(help="The review pack of changes reported to a board, for its meeting (or a period).")
@click.option("--board", metavar="KEY", required=True)
@click.option("--meeting", type=DAY, help="The meeting the changes were reported to.")
@click.option("--from", "start", type=DAY, help="Instead of a meeting: changes effective from …")
@click.option("--to", "end", type=DAY, help="… to this date.")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "text"]), default="html")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@pass_context
def review(obj: Context, board: str, meeting, start, end, fmt: str, output) -> None:
    from orgchange.application.documents.pdf import html_to_pdf
    from orgchange.application.documents.review import ReviewPack
    from orgchange.application.outputs import record_output

    with _user_errors():
        if meeting is not None:
            pack = ReviewPack.for_meeting(obj.app, board, meeting)
            description = f"granskningsunderlag {board} {meeting}"
        elif start is not None and end is not None:
            pack = ReviewPack.for_period(obj.app, board, start, end)
            description = f"granskningsunderlag {board} {start}–{end}"
        else:
            raise click.UsageError(str(messages.text("USAGE_ERROR:meeting-or-period")))
        if fmt == "text":
            lines = [pack.summary(), ""]
            lines += [f"- {c.summary} [{pack.citations.get(c.id, '')}]" for c in pack.changes]
            lines += [f"! {g.delegation_id}: {g.reason}" for g in pack.impact.opened]
            data = for_terminal("\n".join(lines) + "\n").encode("utf-8")
        else:
            page = pack.as_html()
            data = html_to_pdf(page) if fmt == "pdf" else page.encode("utf-8")
        _write(data, output)
        if output and pack.period:
            record_output(
                obj.app.engine, "review", description, pack.period, get_settings().recorded_by(), output
            )


@cli.command(help="Documents generated to files, and which a later correction has made stale.")
@click.option("--stale", is_flag=True, help="Only the stale ones.")
@pass_context
def outputs(obj: Context, stale: bool) -> None:
    from orgchange.application.outputs import outputs as all_outputs
    from orgchange.application.outputs import stale_outputs

    with _user_errors():
        changed = {s.output.id: s.changed_by for s in stale_outputs(obj.app.engine)}
        for out in all_outputs(obj.app.engine):
            if stale and out.id not in changed:
                continue
            state = (
                _line("output:changed-by", changes=", ".join(changed[out.id]))
                if out.id in changed
                else _line("output:current")
            )
            _echo(
                _line(
                    "output",
                    id=out.id,
                    kind=out.kind,
                    description=out.description,
                    start=out.covers_from,
                    end=out.covers_to,
                    made=f"{out.generated_at:%Y-%m-%d %H:%M}",
                    by=out.generated_by,
                    location=out.location or "-",
                    state=state,
                )
            )


@cli.command(
    help="What changed between two dates: units added, removed, renamed, moved, reclassified; posts "
    "established, abolished, moved."
)
@click.argument("start", type=DAY)
@click.argument("end", type=DAY)
@click.option("--known-at", "known_at", type=INSTANT)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def diff(obj: Context, start: date, end: date, known_at, fmt: str) -> None:
    with _user_errors():
        result = obj.app.read_model.diff(start, end, known_at)
        if fmt == "json":
            click.echo(
                json_for_terminal(
                    {
                        "from": start.isoformat(),
                        "to": end.isoformat(),
                        "added": result.added,
                        "removed": result.removed,
                        "renamed": [{"id": i, "from": a, "to": b} for i, a, b in result.renamed],
                        "moved": [{"id": i, "fromParent": a, "toParent": b} for i, a, b in result.moved],
                        "reclassified": [{"id": i, "from": a, "to": b} for i, a, b in result.reclassified],
                        "positions": {
                            "established": result.positions.established,
                            "abolished": result.positions.abolished,
                            "moved": [
                                {"id": i, "fromUnit": a, "toUnit": b} for i, a, b in result.positions.moved
                            ],
                        },
                    }
                )
            )
            return
        _echo(_line("diff", start=start, end=end))
        for key in result.added:
            _echo(f"  + {key}")
        for key in result.removed:
            _echo(f"  - {key}")
        for key, old, new in result.renamed:
            _echo(_line("diff:renamed", key=key, old=repr(old), new=repr(new)))
        for key, old, new in result.moved:
            _echo(_line("diff:moved", key=key, old=old, new=new))
        for key, old, new in result.reclassified:
            _echo(_line("diff:reclassified", key=key, old=old, new=new))
        for key in result.positions.established:
            _echo(_line("diff:post-established", key=key))
        for key in result.positions.abolished:
            _echo(_line("diff:post-abolished", key=key))
        for key, old, new in result.positions.moved:
            _echo(_line("diff:post-moved", key=key, old=old, new=new))
        if not result:
            _echo(_line("diff:none"))


OPEN_DATA_FORMATS: tuple[ExportFormat, ...] = ("jsonld", "turtle", "popolo")


@cli.command(
    help=(
        "The whole register as one orgchange/v1 change file (yaml, json), or as open data: "
        "linked data in the W3C Organization Ontology (jsonld, turtle) or Popolo JSON (popolo)."
    )
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", *OPEN_DATA_FORMATS]), default="yaml")
@click.option("--as-of", "as_of", type=DAY, help="Open data: only the organisation in effect on this date.")
@click.option("--known-at", "known_at", type=INSTANT, help="Open data: as the register knew it then.")
@click.option(
    "--base-uri",
    "base_uri",
    metavar="URI",
    help="Open data: the base of every URI (default: $ORGCHANGE_URI_BASE, else an example.org base).",
)
@pass_context
def export(obj: Context, output, fmt: str, as_of, known_at, base_uri) -> None:
    if fmt in OPEN_DATA_FORMATS:
        _export_open_data(obj, output, fmt, as_of, known_at, base_uri)
        return
    options = {"--as-of": as_of, "--known-at": known_at, "--base-uri": base_uri}
    given = [name for name, value in options.items() if value is not None]
    if given:
        raise click.UsageError(
            str(
                messages.text(
                    "USAGE_ERROR:open-data-only",
                    options=", ".join(given),
                    formats="|".join(OPEN_DATA_FORMATS),
                )
            )
        )
    from orgchange.application.export import export_entries

    with _user_errors():
        entries, organisation = export_entries(obj.app)
        _write(dump_change_file(entries, organisation, fmt).encode("utf-8"), output)


def _export_open_data(obj: Context, output, fmt: ExportFormat, as_of, known_at, base_uri: str | None) -> None:
    from orgchange.application import opendata

    base = base_uri if base_uri is not None else get_settings().uri_base
    try:
        opendata.uri_base(base)
    except ValueError as error:
        hint = "--base-uri" if base_uri is not None else "ORGCHANGE_URI_BASE"
        raise click.BadParameter(str(error), param_hint=hint) from None
    with _user_errors():
        _write(opendata.export(obj.app, fmt, as_of, known_at, base), output)


@cli.command(help="Rebuild every read model from the event store.")
@pass_context
def rebuild(obj: Context) -> None:
    with _user_errors():
        count = obj.app.rebuild(progress=_progress_bar("Rebuilding read models"))
        _echo(_line("rebuilt", count=count))


@cli.command(help="Take a snapshot of the register now (docs/operations.md#snapshots).")
@click.option("--logged", is_flag=True, hidden=True, help="Log as the server does (its own process's).")
@pass_context
def snapshot(obj: Context, logged: bool) -> None:
    """What a server starts when a snapshot is due (`SnapshotProcess`); an operator may run it too.
    It reads the register as a process that starts does and pickles it in this one thread: no
    copy, and no other snapshot made due by reading it in. Started by a server (`--logged`), its
    log lines go where the server's go, in the server's format."""
    if not logged:
        with _user_errors():
            _snapshot(obj)
        return
    import logging.config

    from api.observability import logging_config

    try:
        settings = get_settings()
        logging.config.dictConfig(logging_config(settings.log_format, settings.log_level))
        logging.getLogger("alembic").setLevel(logging.WARNING)  # (the server said it as it started)
        _snapshot(obj)
    except Exception as error:  # one line in the server's log, in its format: never a traceback
        said = str(error).strip()
        logging.getLogger("orgchange.snapshots").warning(
            "snapshot not taken by process %d: %s", os.getpid(), said.splitlines()[0] if said else repr(error)
        )
        sys.exit(1)


def _snapshot(obj: Context) -> None:
    obj._app = app = obj.open(migrate=False, snapshot_interval=0)
    _refuse_other_versions(app)
    info = app.snapshot_now(alone=True)
    if info is None:
        _echo(_line("snapshot:none"))
    else:
        _echo(_line("snapshot", version=info.register_version, size=info.size, seconds=info.seconds))


@cli.command(help="Write a consistent copy of the running register to FILE (docs/operations.md).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def backup(obj: Context, file: Path) -> None:
    from orgchange.application.backup import backup as take_backup

    with _user_errors(), _backup_errors():
        info = take_backup(obj.database_url, file)
        _echo(_line("backup", file=file, kind=info.kind, event=info.last_event_id))


@cli.command(help="Restore the backup FILE into an empty database.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def restore(obj: Context, file: Path) -> None:
    from orgchange.application.backup import restore as restore_backup

    with _user_errors(), _backup_errors():
        info = restore_backup(obj.database_url, file)
        _echo(_line("restored", file=file, event=info.last_event_id))


@contextmanager
def _backup_errors() -> Iterator[None]:
    from orgchange.application.backup import BackupError

    try:
        yield
    except BackupError as error:
        _fail(str(error), error.exit_code)


@cli.command(help="Serve the HTTP API, GraphQL and the web page.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes sharing the port (default: $ORGCHANGE_WORKERS, else 1).",
)
@click.option(
    "--migrate",
    "migrate_first",
    is_flag=True,
    help="Upgrade a database of an earlier version before serving (as `orgchange migrate`).",
)
@pass_context
def serve(obj: Context, host: str, port: int, workers: int | None, migrate_first: bool) -> None:
    from api.main import run

    settings = get_settings().model_copy(update={"database_url": obj.database_url})
    if workers is not None:
        settings = settings.model_copy(update={"workers": workers})
    with _user_errors():
        app = obj.open(migrate=False)
        try:
            if migrate_first and app.status.too_new is None and not app.read_only:
                _report_migration(app.migrate(progress=_progress_bar("Läsmodellerna byggs om")), err=True)
            _refuse_other_versions(app)
        finally:
            app.close()
            app.engine.dispose()
        run(settings, host, port)


@cli.command(help="Upgrade the database to this version: its tables, then its read models.")
@pass_context
def migrate(obj: Context) -> None:
    with _user_errors():
        app = obj.open(migrate=False)
        if app.status.too_new is not None:
            from orgchange.application.errors import DatabaseTooNew

            raise DatabaseTooNew(app.status.too_new)
        _report_migration(app.migrate(progress=_progress_bar("Läsmodellerna byggs om")), err=False)


def _report_migration(done: list[str], err: bool) -> None:
    if not done:
        _echo(_line("migrated:nothing"), err=err)
    for step in done:  # the steps are named in Swedish (OrgChange.migrate)
        _echo(f"Klart: {step}.", err=err)


@cli.group(help="API tokens for writing (and for reading when reads are not public).")
def token() -> None:
    pass


@token.command("create", help="Create a token; prints it alone on standard output, once.")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "registrar", "admin"]), required=True)
@pass_context
def token_create(obj: Context, name: str, role: str) -> None:
    from orgchange.application.tokens import create_token

    with _user_errors():
        click.echo(create_token(obj.app, name, role))


@token.command("revoke", help="Revoke the active token of NAME.")
@click.argument("name")
@pass_context
def token_revoke(obj: Context, name: str) -> None:
    from orgchange.application.tokens import revoke_token

    with _user_errors():
        if not revoke_token(obj.app, name):
            _fail(_line("token:none", name=name), 1)
        _echo(_line("token:revoked", name=name))


@token.command("list", help="Every token, without secrets.")
@pass_context
def token_list(obj: Context) -> None:
    from orgchange.application.tokens import list_tokens

    with _user_errors():
        for info in list_tokens(obj.app):
            state = (
                _line("token:was-revoked", when=f"{info.revoked_at:%Y-%m-%d %H:%M}")
                if info.revoked_at
                else _line("token:active")
            )
            created = f"{info.created_at:%Y-%m-%d %H:%M}"
            _echo(_line("token:listed", name=info.name, role=info.role.value, created=created, state=state))


@cli.command(
    help=(
        "The audit trail: who recorded which change, cancellation, report to a board and "
        "noting of one, and who named the organisation, and when; oldest first."
    )
)
@click.option("--by", "recorded_by", metavar="NAME", help="Only what NAME recorded.")
@click.option("--from", "start", type=INSTANT, help="Recorded at or after this instant.")
@click.option("--to", "end", type=INSTANT, help="Recorded before this instant.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_context
def audit(obj: Context, recorded_by: str | None, start, end, fmt: str) -> None:
    from projections.audit import AuditReader

    with _user_errors():
        reader = AuditReader(obj.app.engine)
        entries, after = [], None
        while True:
            page = reader.trail(recorded_by, start, end, 1000, after)
            entries.extend(page.entries)
            if not page.has_next:
                break
            after = page.end_cursor
        if fmt == "json":
            listed = [
                {
                    "id": entry.id,
                    "type": entry.type,
                    "recordedAt": entry.recorded_at.isoformat(),
                    "recordedBy": entry.recorded_by,
                    "summary": entry.summary,
                    "cancels": entry.cancels,
                    "cancelledBy": entry.cancelled_by,
                    "organisation": entry.organisation,
                }
                for entry in entries
            ]
            click.echo(json_for_terminal(listed))
            return
        for entry in entries:
            if entry.cancels:
                action = _line("audit:cancelled", change=entry.cancels)
            elif entry.id is None:
                action = _line("audit:named")
            else:
                action = _line("audit:recorded", change=entry.id)
            note = _line("audit:cancelled-by", change=entry.cancelled_by) if entry.cancelled_by else ""
            who = entry.recorded_by if entry.recorded_by is not None else _line("audit:unknown")
            when = entry.recorded_at.isoformat()
            _echo(f"{when}\t{who}\t{action}{note}\t{entry.type}: {entry.summary}")


@cli.group(
    help="Start the register from spreadsheets: the organisation, the delegationsordning (docs/baseline.md)."
)
def baseline() -> None:
    pass


@baseline.command(
    "import",
    help=(
        "Record a spreadsheet of units (CSV or XLSX; one row per unit: key, name, kind, parent, "
        "manager_title) as establish_unit and establish_position changes on a day."
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--as-of", "as_of", type=DAY, required=True, help="The day the units are established.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Which column is which (YAML).")
@click.option("--dry-run", is_flag=True, help="Print the org chart it would make; record nothing.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Also write the change file to FILE.")
@pass_context
def baseline_import(obj: Context, file: str, as_of: date, mapping, dry_run: bool, output) -> None:
    from orgchange.application import baseline as tables_in

    with _user_errors():
        made = tables_in.import_units(obj.app, file, as_of, mapping)
        if output:
            _write(dump_change_file(made.entries, None).encode("utf-8"), output)
        if dry_run:
            click.echo(for_terminal(chart_text(tables_in.chart_with(obj.app, made))), nl=False)
            _echo(_line("baseline:dry-run", source=file, count=len(made.changes)))
            return
        _record_baseline(obj, made, file)


@baseline.command(
    "delegations",
    help=(
        "Record a delegationsordning table (one row per delegation point: code, matter, delegate, "
        "substitute, limit, legal_basis, reporting) as grant_delegation changes of a board."
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--board", metavar="KEY", required=True, help="The board that delegates.")
@click.option("--as-of", "as_of", type=DAY, required=True, help="The day the delegations take effect.")
@click.option("--mapping", type=click.Path(dir_okay=False), help="Which column is which (YAML).")
@click.option(
    "--partial",
    is_flag=True,
    help="Record the rows whose delegates were matched; list the others (and exit 0).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the board's delegationsordning as it would be and the titles left unmatched; record nothing.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Also write the change file to FILE.")
@pass_context
def baseline_delegations(
    obj: Context, file: str, board: str, as_of: date, mapping, partial: bool, dry_run: bool, output
) -> None:
    from orgchange.application import baseline as tables_in

    with _user_errors():
        # A dry run matches what it can and lists the rest, whether or not --partial is given:
        # it shows both halves of the answer; its exit code says whether recording would go ahead.
        made = tables_in.import_delegations(obj.app, file, board, as_of, mapping, partial or dry_run)
        if output:
            _write(dump_change_file(made.entries, None).encode("utf-8"), output)
        if dry_run:
            _dry_run_delegations(obj, made, board, file, partial)
            return
        for problem in made.unmatched:
            _echo(_line("baseline:not-recorded", problem=problem), err=True)
        _record_baseline(obj, made, file)


def _dry_run_delegations(obj: Context, made, board: str, source: str, partial: bool) -> None:
    """The delegationsordning the table would make and the titles it left unmatched; exit 1 if
    recording would be refused (unmatched titles without --partial)."""
    from orgchange.application import baseline as tables_in

    document = tables_in.delegations_with(obj.app, made, board)
    click.echo(for_terminal(document.as_text()), nl=False)
    for problem in made.unmatched:
        _echo(_line("baseline:unmatched", problem=problem))
    if made.unmatched and not partial:
        _echo(
            _line("baseline:refused", source=source, count=len(made.changes), unmatched=len(made.unmatched))
        )
        sys.exit(1)
    left_out = _line("baseline:left-out", count=len(made.unmatched)) if made.unmatched else ""
    _echo(_line("baseline:delegations", source=source, count=len(made.changes), left_out=left_out))


def _record_baseline(obj: Context, made, source: str) -> None:
    from orgchange.application.baseline import record

    settings = get_settings()
    result = record(lambda changes: obj.app.record_changes(changes, settings.recorded_by()), made)
    _echo(_line("recorded", source=source, recorded=len(result.recorded), skipped=len(result.skipped)))


def _remember(obj: Context, output: str | None, kind: str, description: str, start: date, end=None) -> None:
    """A document written to a file is an output whose staleness is tracked."""
    if output:
        from orgchange.application.outputs import record_output

        record_output(
            obj.app.engine, kind, description, (start, end or start), get_settings().recorded_by(), output
        )


# --- delegated decisions (docs/decisions.md) ---------------------------------------------------

DECISIONS_SAMPLE = "nacka-decisions-2016-2018.yaml"


@contextmanager
def _decision_errors() -> Iterator[None]:
    """Refused decisions: exit 2 for a file that cannot be read, 1 for one refused as it stands."""
    from orgchange.application.decisions import DecisionsRefused

    try:
        yield
    except DecisionsRefused as error:
        for problem in error.problems:
            _echo(f"error: {problem}", err=True)
        _echo(str(messages.text("CHANGE_REJECTED:nothing-recorded")), err=True)
        sys.exit(2 if error.code == "DECISIONS_MALFORMED" else 1)


@cli.group("decisions", help="Decisions taken under delegation (delegationsbeslut): import and list them.")
def decisions_group() -> None:
    pass


@decisions_group.command(
    "import",
    help="Record the decisions of FILE (JSON/YAML, or CSV/XLSX with --mapping); of several files, "
    "each in turn (each atomically), as `decisions export` writes a large register's.",
)
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--mapping", type=click.Path(dir_okay=False), help="A column mapping for a CSV or XLSX file.")
@pass_context
def decisions_import(obj: Context, files: tuple[str, ...], mapping: str | None) -> None:
    from orgchange.application import decisions

    with _user_errors(), _decision_errors():
        for file in files:
            entries = decisions.load_decisions(file, mapping)
            result = decisions.record_decisions(obj.app, entries, get_settings().recorded_by())
            _echo(
                _line(
                    "decisions-recorded",
                    source=file,
                    recorded=len(result.recorded),
                    skipped=len(result.skipped),
                )
            )


@decisions_group.command(
    "export",
    help="Every delegated decision as one orgchange-decisions/v1 file (yaml, json), in recording "
    "order: what `decisions import` reads back. More than an import takes in one file (100,000 "
    "decisions) go to FILE, FILE-2, FILE-3, … (-o needed).",
)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@pass_context
def decisions_export(obj: Context, fmt: str, output: str | None) -> None:
    from orgchange.application import decisions

    with _user_errors():
        parts = decisions.export_decisions(obj.app, fmt)
        first = next(parts)
        second = next(parts, None)
        if second is None:
            _write(first.encode("utf-8"), output)
            return
        if output is None:
            _fail(str(messages.text("DECISIONS_EXPORT:needs-output", limit=decisions.EXPORT_PART)), 2)
        for number, part in enumerate(itertools.chain([first, second], parts), 1):
            _write(part.encode("utf-8"), _part_path(output, number))


def _part_path(output: str, number: int) -> str:
    """FILE for the first part of an export, FILE-2 (before its suffix: beslut-2.yaml) and so on."""
    if number == 1:
        return output
    path = Path(output)
    return str(path.with_name(f"{path.stem}-{number}{path.suffix}"))


@decisions_group.command("list", help="Delegated decisions, by decision date, with their findings.")
@click.option("--board", metavar="KEY", help="Those reported (or not to be reported) to this board or post.")
@click.option("--from", "start", type=DAY, help="Decided on or after this day.")
@click.option("--to", "end", type=DAY, help="Decided on or before this day.")
@click.option("--unreported", is_flag=True, help="Only those not yet reported.")
@click.option("--known-at", "known_at", type=INSTANT, help="As the register knew them then.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "html"]), default="text")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE.")
@pass_context
def decisions_list(obj: Context, board, start, end, unreported: bool, known_at, fmt: str, output) -> None:
    from orgchange.application import decisions

    with _user_errors(), _decision_errors():
        rows = decisions.listing(
            obj.app, board=board, start=start, end=end, unreported=unreported or None, known_at=known_at
        )
        if fmt == "json":
            shown = [decisions.as_json(row) for row in rows]
            _write(
                (json_for_terminal(shown) if not output else decisions.dumps(rows)).encode() + b"\n", output
            )
        elif fmt == "csv":
            _write(decisions.as_csv(rows).encode("utf-8"), output)
        elif fmt == "html":
            _write(decisions.as_html(rows, board=board, start=start, end=end).encode("utf-8"), output)
        else:
            text = decisions.as_text(rows)
            if output:
                _write(text.encode("utf-8"), output)
            else:
                for line in text.splitlines():
                    _echo(line)


def _write(data: bytes, output: str | None) -> None:
    if output:
        Path(output).write_bytes(data)
        click.echo(f"Wrote {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


# --- usage errors -----------------------------------------------------------------------------
# click says what is wrong with a command line in English; these are its refusals in the words of
# the catalogue (USAGE_ERROR), in ORGCHANGE_LANGUAGE, with its exit code 2 (docs/cli.md#exit-codes).
_CHOICE = re.compile(r"^(?P<value>.+?) is not (?:one of )?(?P<choices>.+)\.$", re.DOTALL)
_NO_SUCH_COMMAND = re.compile(r"^No such command '(?P<command>.*)'\.", re.DOTALL)
_NEEDS_VALUE = re.compile(r"^Option '(?P<option>.*)' requires (?:an argument|\d+ arguments)\.$", re.DOTALL)
_EXTRA = re.compile(r"^Got unexpected extra arguments? \((?P<arguments>.*)\)$", re.DOTALL)


def _hint_of(param: click.Parameter | None, ctx: click.Context | None) -> str:
    if param is None:
        return ""
    return " / ".join(f"'{hint}'" for hint in param.get_error_hint(ctx).split(" / ")).replace("''", "'")


def usage_in_words(error: click.UsageError) -> messages.Text:
    """What is wrong with a command line, in the catalogue's words (click's own when of no known form)."""
    if isinstance(error, click.NoSuchOption):
        if error.possibilities:
            hint = ", ".join(error.possibilities)
            return messages.text("USAGE_ERROR:no-such-option-hint", option=error.option_name, hint=hint)
        return messages.text("USAGE_ERROR:no-such-option", option=error.option_name)
    if isinstance(error, click.MissingParameter):
        hint = _hint_of(error.param, error.ctx)
        if (error.param_type or getattr(error.param, "param_type_name", "")) == "argument":
            return messages.text("USAGE_ERROR:missing-argument", argument=hint)
        return messages.text("USAGE_ERROR:missing-option", option=hint)
    if isinstance(error, click.BadParameter):
        hint = error.param_hint if isinstance(error.param_hint, str) else _hint_of(error.param, error.ctx)
        choice = _CHOICE.match(error.message)
        problem: str | messages.Text = error.message
        if choice and error.param is not None and isinstance(error.param.type, click.Choice):
            problem = messages.text(
                "USAGE_ERROR:not-a-choice", value=choice.group("value"), choices=choice.group("choices")
            )
        return messages.text("USAGE_ERROR:bad-value", parameter=hint, problem=problem)
    command = _NO_SUCH_COMMAND.match(error.message)
    if command:
        return messages.text("USAGE_ERROR:no-such-command", command=command.group("command"))
    needs_value = _NEEDS_VALUE.match(error.message)
    if needs_value:
        return messages.text("USAGE_ERROR:needs-value", option=needs_value.group("option"))
    extra = _EXTRA.match(error.message)
    if extra:
        return messages.text("USAGE_ERROR:extra-arguments", arguments=extra.group("arguments"))
    return messages.text("USAGE_ERROR", detail=error.message)


def _say_usage_error(error: click.UsageError) -> None:
    """click's way of showing a usage error (usage, hint, error), in the command line's language."""
    if error.ctx is not None:
        usage = error.ctx.get_usage().removeprefix("Usage:").strip()
        click.echo(str(messages.text("USAGE_ERROR:usage", usage=usage)), err=True)
        if error.ctx.command.get_help_option(error.ctx) is not None:
            help_line = messages.text("USAGE_ERROR:help", command=error.ctx.command_path)
            click.echo(f"{help_line}\n", err=True)
    said = messages.text("USAGE_ERROR:error", message=usage_in_words(error), code="USAGE_ERROR")
    _echo(str(said), err=True)


def _language_of_the_command_line() -> str:
    """ORGCHANGE_LANGUAGE, for what is said before the command runs; Swedish if it is not one
    (the command itself then says what is wrong with the setting)."""
    try:
        return get_settings().language
    except ValidationError:
        return messages.DEFAULT_LANGUAGE


def main() -> None:
    set_language(_language_of_the_command_line())
    try:
        answer = cli.main(prog_name="orgchange", standalone_mode=False)
    except click.UsageError as error:
        _say_usage_error(error)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo(_line("aborted"), err=True)
        sys.exit(1)
    # Without standalone mode click hands back the exit code of `ctx.exit` (0 after --help).
    sys.exit(answer if isinstance(answer, int) else 0)
