"""Task paragraphs under a plan's action sections, with action, units, years and counties."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from ..dataset import Task
from .context import Context
from .segment import Block, Heading, compact, units_paren

ACTIONS_PATH = Path(__file__).with_name("actions.yaml")
YEAR = re.compile(r"(?<![\d〔\[])(20\d{2})(?=\s*(?:年|[—\-–~至到]\s*20\d{2}\s*年))")
LEAD = re.compile(r"^([^，。；：、（(]{2,24})[。：]")


@dataclass(frozen=True)
class ActionTaxonomy:
    actions: dict[str, dict]
    heading_pattern: re.Pattern
    documents: dict[str, dict]

    def keys(self) -> list[str]:
        return list(self.actions)

    def zh(self, key: str) -> str:
        return self.actions[key]["zh"]

    def by_keyword(self, title: str) -> Optional[str]:
        for key, spec in self.actions.items():
            if spec["keyword"] in title:
                return key
        return None


@lru_cache(maxsize=4)
def load_actions(path: Path = ACTIONS_PATH) -> ActionTaxonomy:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return ActionTaxonomy(raw["actions"], re.compile(raw["action_heading"]), raw.get("documents") or {})


@dataclass
class _Action:
    heading: Heading
    key: Optional[str]
    task_keys: dict[str, str]


def action_of(ctx: Context, block: Block, taxonomy: ActionTaxonomy) -> Optional[_Action]:
    """The action section a block is in, mapped to its canonical key, or None."""
    mapping = taxonomy.documents.get(ctx.document)
    for heading in reversed(block.path):
        title = heading.title
        if mapping is not None:
            if title in mapping and title != "tasks":
                return _Action(heading, mapping[title], {str(k): v for k, v in (mapping.get("tasks") or {}).items()})
            continue
        if taxonomy.heading_pattern.match(title):
            return _Action(heading, taxonomy.by_keyword(title), {})
    return None


def years_in(text: str) -> list[int]:
    if "20" not in text:  # YEAR starts with a look-behind, so re cannot skip ahead to a "20"
        return []
    return sorted({int(y) for y in YEAR.findall(text)})


@dataclass
class _Pending:
    action: _Action
    item: Optional[Heading]
    blocks: list[Block] = field(default_factory=list)


def parse_tasks(ctx: Context, taxonomy: Optional[ActionTaxonomy] = None) -> list[Task]:
    """Every task paragraph under an action heading.

    A task runs from its first paragraph to the paragraph that closes with its responsible
    units in parentheses (a parenthesis alone on its own line belongs to the paragraph
    before it); a new numbered item or heading also ends a task, then without units, which
    is reported.
    """
    taxonomy = taxonomy or load_actions()
    mapping = taxonomy.documents.get(ctx.document)
    tasks: list[Task] = []
    pending: Optional[_Pending] = None
    seen_actions: set[int] = set()

    def flush(closing: Optional[tuple[int, list[str]]] = None) -> None:
        """End the pending task; closing is units_paren() of its last block when known."""
        nonlocal pending
        if pending is None or not pending.blocks:
            pending = None
            return
        tasks.append(_make_task(ctx, pending, closing if closing is not None else units_paren(pending.blocks[-1].text)))
        pending = None

    for block in ctx.seg.blocks:
        if block.kind == "heading" and block.heading and mapping is None:
            title = block.heading.title
            if taxonomy.heading_pattern.match(title) and taxonomy.by_keyword(title) is None:
                ctx.warn(block.line_start, "unmapped-action", f"action heading not in the canonical taxonomy: {title}", title=title)
        if block.kind != "paragraph":
            if block.kind == "table" or not (block.heading and block.heading.inline):
                flush()  # a task never runs across a heading or a table
            continue
        action = action_of(ctx, block, taxonomy)
        if action is None:
            flush()
            continue
        if id(action.heading) not in seen_actions:
            seen_actions.add(id(action.heading))
            if action.key is None and not action.task_keys:
                ctx.warn(action.heading.line_start, "unmapped-action", f"action heading has no canonical key: {action.heading.title}",
                        title=action.heading.title)
        item = _item_heading(block, action.heading)
        closing = units_paren(block.text)  # read once: the scan is a good part of a build
        if closing and closing[0] == 0:
            # "（市应急局、市规划和自然资源局）" on a line of its own closes the task before it
            if pending is not None:
                pending.blocks.append(block)
                flush(closing)
            elif tasks and not tasks[-1].responsible_units:
                ctx.warn(block.line_start, "orphan-units", "responsible units after a task that already ended")
            continue
        starts_item = block.heading is not None and block.heading.inline
        if pending is not None and (pending.action.heading is not action.heading or starts_item or pending.item is not item):
            flush()
        if pending is None:
            pending = _Pending(action, item)
        pending.blocks.append(block)
        if closing:
            flush(closing)
    flush()
    return tasks


def _item_heading(block: Block, action: Heading) -> Optional[Heading]:
    """The innermost heading below the action heading (the task's own heading), if any."""
    inside = False
    found = None
    for heading in block.path:
        if heading is action:
            inside = True
            continue
        if inside:
            found = heading
    return found


def _make_task(ctx: Context, pending: _Pending, closing: Optional[tuple[int, list[str]]]) -> Task:
    blocks = pending.blocks
    text = "\n".join(b.text for b in blocks)
    units: list[str] = []
    if closing:
        units = closing[1]
    else:
        ctx.warn(blocks[0].line_start, "task-without-units", "task paragraph without responsible units in parentheses")
    first, last = blocks[0].line_start, blocks[-1].line_end
    item = pending.item
    number = ""
    heading = ""
    if item is not None:
        heading = item.title
        number = re.sub(r"\D", "", item.marker) if item.kind == "item" else ""
    lead = LEAD.match(blocks[0].text if not (blocks[0].heading and blocks[0].heading.inline) else "")
    title = lead.group(1) if lead else ""
    action = pending.action
    key = action.task_keys.get(number, action.key) if number else action.key
    if ctx.entry.scope_level == "county":
        adcodes = [ctx.entry.scope_adcode]
    else:
        named = ctx.counties_in(text, first)
        adcodes = named or ctx.default_units()
    quote = "\n".join(b.text for b in blocks)  # paragraphs in order; see checks.quote_in
    return Task(
        id=f"{ctx.document}:{first}",
        document=ctx.document,
        action_key=key,
        action_zh=action.heading.title,
        heading=heading,
        number=number,
        title=title,
        text=text,
        responsible_units=units,
        years=years_in(text),
        adcodes=sorted(adcodes),
        scope_adcode=ctx.entry.scope_adcode,
        citation=ctx.cite_lines(first, last, quote),
    )


def quote_found(quote: str, cited: str) -> bool:
    return compact(quote) in compact(cited)
