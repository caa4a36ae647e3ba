"""Command line: `ingest [--json]`, `export-dataset OUT.json`, `db upgrade|current|dump|restore`, `user add|list|passwd|disable`, `import FILE [--sheet NAME]`."""

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
    from .store import cli as store_cli

    store_cli.add_parsers(sub)
    from . import importcli

    importcli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command in ("db", "user"):
        return store_cli.run(args)
    if args.command == "import":
        return importcli.run(args)

    from .ingest.pipeline import build_dataset, write_dataset

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


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`
        sys.exit(0)
