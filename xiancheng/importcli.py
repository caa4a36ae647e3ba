"""`python -m xiancheng import FILE [--sheet NAME]`: preview an Excel/CSV table and save its values."""

from __future__ import annotations

import sys
from pathlib import Path

REASONS = {
    "unresolved": "unit name not recognised",
    "ambiguous": "unit name shared by several units; add the city",
    "duplicate": "unit written twice for the same indicator and year",
    "not-a-number": "text in a number column",
    "city-mismatch": "the unit is not in the city written beside it",
    "no-indicator": "no indicator name",
    "bad-year": "the year is not a year",
}


def add_parser(sub) -> None:
    parser = sub.add_parser("import", help="import indicator values or a classification list from .xlsx/.xls/.csv")
    parser.add_argument("file", type=Path)
    parser.add_argument("--sheet", default=None, help="sheet name (default: the first sheet)")
    parser.add_argument("--name", default=None, help="the import's name (default: the file name without extension); "
                        "importing under an existing name makes a new version")
    parser.add_argument("--kind", choices=("value", "target"), default="value",
                        help="value = 统计值 (measured, default), target = 目标值 (plan target)")
    parser.add_argument("--year", type=int, default=None, help="year of columns that do not name one")
    parser.add_argument("--accept-rejected", action="store_true", help="save the good rows even if some rows are rejected")
    parser.add_argument("--dry-run", action="store_true", help="show the preview only")


def run(args) -> int:
    from . import imports, store
    from .store import imports as stored

    try:
        data, grid = imports.read_file(args.file, args.sheet)
        mapping = imports.detect(grid)
    except (imports.ImportFileError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    mapping.value_kind = args.kind
    if args.year is not None:
        mapping.default_year = args.year
    preview = imports.preview(grid, mapping)
    print(f"{grid.file_name} [{grid.sheet}]: {mapping.layout} table, header rows "
          f"{', '.join(str(r + 1) for r in mapping.header_rows) or '-'}, unit column {imports.column_letter(mapping.unit_column)}"
          + (f", city column {imports.column_letter(mapping.city_column)}" if mapping.city_column is not None else ""))
    for indicator, unit in preview.indicators:
        n = sum(1 for r in preview.records if (r.indicator, r.unit) == (indicator, unit))
        print(f"  {indicator}{f' ({unit})' if unit else ''}: {n} value(s)")
    print(f"{len(preview.records)} value(s) for {len(preview.resolved_units)} unit(s); {len(preview.rejected)} rejected; "
          f"{len(preview.skipped)} skipped (totals, notes)")
    for spec in mapping.columns if mapping.layout == "wide" else ():
        if spec.kind != "skip" and not spec.name.strip():
            print(f"  column {imports.column_letter(spec.index)} ({spec.label}): no indicator name, not imported "
                  "(name it in the import page, or give the column a header)")
    for rejection in preview.rejected:
        print(f"  row {rejection.row} {rejection.cell} {rejection.text!r}: {REASONS.get(rejection.reason, rejection.reason)}"
              + (f" ({rejection.detail})" if rejection.detail else ""))
    if args.dry_run:
        return 0
    if preview.rejected and not args.accept_rejected:
        print("nothing saved: fix the rows above, or pass --accept-rejected to save the good rows only", file=sys.stderr)
        return 1
    name = args.name or Path(grid.file_name).stem
    try:
        workspace = store.open()
        batch = stored.save(workspace, store.system_user("import"), preview, data, name=name,
                            based_on=stored.latest_version(workspace, name), accept_rejected=args.accept_rejected)
    except store.StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"saved {name!r} version {batch.version}: {batch.record_count} value(s)")
    return 0
