"""Command line: `ingest [--json]`, `export-dataset OUT.json`, `add-plan FILE [--scope ADCODE]`,
`db upgrade|current|dump|restore`, `user add|list|passwd|disable`, `import FILE [--sheet NAME]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

COLUMNS = (
    ("sections", "sections"),
    ("tasks", "tasks"),
    ("targets", "targets"),
    ("projects", "projects"),
    ("classifications", "class."),
    ("positionings", "position."),
    ("towns", "towns"),
    ("unresolved_mentions", "unresolved"),
    ("warnings", "warnings"),
)


def _print_table(report) -> None:
    width = max([len(d.document) for d in report.documents] + [8])
    print(f"{'document':<{width}}  " + "  ".join(f"{label:>10}" for _, label in COLUMNS) + "  status")
    for doc in report.documents:
        print(f"{doc.document:<{width}}  " + "  ".join(f"{doc.counts.get(k, 0):>10}" for k, _ in COLUMNS) + f"  {doc.status}")
    for correction in report.corrections:
        print(f"correction {correction.id} ({correction.action} {correction.kind}): {len(correction.touched)} record(s)")


def _print_issues(report, stream) -> None:
    for issue in report.all_issues:
        if issue.severity == "error":
            print(f"error: {issue}", file=stream)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xiancheng", description="县城一张图: plan ingestion")
    parser.add_argument("--plans-dir", type=Path, default=None, help="folder with the documents and manifest.yaml (default: settings plans_dir)")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="parse every document and print per-document counts")
    ingest.add_argument("--json", action="store_true", help="print the full report as JSON")
    export = sub.add_parser("export-dataset", help="build the dataset and write it as JSON")
    export.add_argument("out", type=Path, help="output file, e.g. build/dataset.json")
    add = sub.add_parser("add-plan", help="add a plan (.txt in any encoding, .docx, .pdf): convert it, read its metadata, write its manifest entry")
    add.add_argument("file", type=Path, help="the plan file")
    add.add_argument("--scope", help="adcode of the plan's province, city or county (read from the title or issuer when omitted), e.g. 141025")
    for name, what in (("title", "title"), ("issuer", "issuer"), ("number", "文号"), ("date", "date, YYYY-MM-DD or a year")):
        add.add_argument(f"--{name}", help=f"the {what}, when the one read from the text is wrong")
    add.add_argument("--kind", choices=("action-plan", "urbanisation-plan", "five-year-plan", "other"), help="the document kind")
    add.add_argument("--dry-run", action="store_true", help="show what was read and checked; write nothing")
    raw = sys.argv[1:] if argv is None else list(argv)
    store_cli = None
    from . import importcli  # light: reads files and the store only when run
    if not any(word in ("ingest", "export-dataset", "add-plan") for word in raw):
        # The store's commands import SQLAlchemy and Alembic (over a second on a busy
        # machine): only when the command may be one of theirs, or for --help.
        from .store import cli as store_cli

        store_cli.add_parsers(sub)
        importcli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command in ("db", "user"):
        return store_cli.run(args)
    if args.command == "add-plan":
        return _add_plan(args)
    if args.command == "import":
        return importcli.run(args)

    from .ingest.pipeline import build_dataset, write_dataset
    from .settings import SettingError, max_document_bytes

    try:
        max_document_bytes()
    except SettingError as exc:  # stops the whole build: said once, before anything is read
        print(f"error: the setting {exc.env} is {exc.value!r}, which is not a positive number of MB, so no plan was read; "
              f"set it to a positive number of MB (the default is 5) and run {args.command} again", file=sys.stderr)
        return 2
    try:
        dataset, report = build_dataset(args.plans_dir)
    except Exception as exc:  # an unexpected failure still gets a message, not a traceback
        print(f"error: ingestion failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.command == "ingest":
        if args.json:
            print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        else:
            _print_table(report)
            warnings = [i for i in report.all_issues if i.severity == "warning"]
            if warnings:
                print(f"{len(warnings)} warning(s); `--json` lists them with file and line")
    else:
        try:
            write_dataset(dataset, args.out)
        except OSError as exc:
            print(f"error: cannot write {args.out}: {exc}", file=sys.stderr)
            return 2
        print(
            f"wrote {args.out}: {len(dataset.documents)} documents, {len(dataset.tasks)} tasks, {len(dataset.targets)} targets, "
            f"{len(dataset.projects)} projects, {len(dataset.classifications)} classifications, "
            f"{len(dataset.positionings)} positionings, {len(dataset.towns)} towns"
        )
    _print_issues(report, sys.stderr)
    return 0 if report.ok else 1


def _add_plan(args) -> int:
    """`add-plan FILE`: convert, read the metadata, check, write the entry (see ingest.intake)."""
    from . import geo
    from .ingest import intake
    from .settings import PLANS_DIR

    plans_dir = Path(args.plans_dir or PLANS_DIR)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        proposal = intake.propose(path.name, data, scope=args.scope)
    except intake.IntakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    fields = intake.corrected(proposal, {name: getattr(args, name) for name in ("title", "issuer", "number", "date", "kind")})
    meta = proposal.metadata
    print(f"read {path.name}: {proposal.source.read_as}, {len(proposal.source.lines)} lines")
    for name, label in (("title", "title"), ("issuer", "issuer"), ("number", "文号"), ("date", "date"), ("scope", "scope"), ("kind", "kind")):
        found = getattr(meta, name)
        value = fields["scope_adcode" if name == "scope" else name]
        shown = f"{value} {geo.place_name(value)}" if name == "scope" and value else value
        if found is not None and found.value == value and found.line_start:
            lines = f"line {found.line_start}" if found.line_start == found.line_end else f"lines {found.line_start}-{found.line_end}"
            where = f"{lines}: {found.quote}" + (f" ({found.note})" if found.note else "")
        elif found is not None and found.value == value:
            where = found.note
        elif value:
            where = "given on the command line"
        else:
            where = "not printed in the text"
        print(f"  {label:<7} {shown or '—':<40} {where}")
    if fields.get("title_lines"):
        a, b = fields["title_lines"]
        print(f"  the plan's own title is printed on lines {a}-{b} (what the documents page cites)")
    result = intake.check(proposal, fields, plans_dir, source_path=path)
    for message in result.warnings:
        print(f"warning: {message}", file=sys.stderr)
    if not result.ok:
        for message in result.errors:
            print(f"error: {message}", file=sys.stderr)
        if all(f.message_key.startswith(("intake.manifest.", "intake.plan_unreadable", "intake.duplicate.text_unloaded")) for f in result.errors):
            print("nothing was written; fix what is named above and run add-plan again", file=sys.stderr)  # not a value to correct
        else:
            print("nothing was written; correct the values with --title/--issuer/--number/--date/--scope/--kind", file=sys.stderr)
        return 1
    if args.dry_run:
        print("dry run: nothing written")
        return 0
    try:
        added = intake.add(proposal, fields, plans_dir, remove_source=path)
    except intake.IntakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    kept = f"; original kept as {plans_dir / added.original}" if added.original else ""
    print(f"added {plans_dir / added.document}{kept}; entry at {intake.MANIFEST_NAME} line {added.line}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`
        sys.exit(0)
