"""add-plan never skips its duplicate check and never leaves half an add behind: a manifest a
hand edit broke refuses the add naming its line and the fix; a plan whose entry or text does
not load is still compared; a size setting that is not a number, a folder that cannot be
written and a disk that fills up are refusals naming the setting or the file, in Chinese and
English, with plans/ and the manifest as they were. Every input is made here: real broken
manifests, real files in the way of a write, a real file size limit (RLIMIT_FSIZE, which holds
for root too, unlike chmod)."""

from __future__ import annotations

import fcntl
import os
import resource
import threading
import time
from pathlib import Path

import pytest
from plan_factory import county_plan
from test_intake import GU_LOADED, add_plan, both
from test_manifest_entries import seed_plans

from xiancheng.ingest import intake
from xiancheng.settings import ROOT

SEED_MANIFEST = (ROOT / "plans" / "manifest.yaml").read_text(encoding="utf-8")
GU_SEED = (ROOT / "plans" / GU_LOADED).read_text(encoding="utf-8")  # adding it again is a real duplicate


def tree(folder: Path) -> dict:
    """Every file and folder under folder with its bytes. The empty lock file an add that wrote
    leaves is left out: it is how two writers wait for each other, not part of an add."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.name != ".manifest.lock"}


def other_county(county: str = "壶关县", number: str = "壶政办发〔2024〕61号") -> str:
    return county_plan(county, number=number, date="2024年9月3日")


# --- 1. a manifest a hand edit broke: the add is refused with its line and fix, nothing is written

BROKEN_MANIFESTS = [
    ("saved-as-gbk", lambda text: text.encode("gbk"),
     "规划清单 {m} 第 2 行（偏移 125 字节处）不是 UTF-8 编码，清单无法读取，因此无法检查该文件是否已载入。请用文本编辑器将 {m} 另存为 UTF-8 后再添加。",
     "the plans manifest {m} cannot be read: the byte at offset 125, on line 2, is not UTF-8, so the plan cannot be checked against "
     "the plans loaded. Save {m} as UTF-8 in a text editor and add the plan again.",
     "{m} line 2: byte 125 is not UTF-8; save the file as UTF-8 and add the plan again"),
    ("documents-misspelt", lambda text: text.replace("\ndocuments:", "\ndocs:").encode("utf-8"),
     "规划清单 {m} 第 9 行的“docs”顶格书写，不在 documents: 之下，清单无法完整读取，因此无法检查该文件是否已载入。请将该行缩进到 documents: 之下（或改正拼写、删除该行）后再添加。",
     "the plans manifest {m}, line 9: “docs” starts the line instead of standing under documents:, so the manifest does not read as a "
     "whole and the plan cannot be checked against the plans loaded. Indent that line under documents: (or correct its spelling, or "
     "delete it) and add the plan again.",
     "{m} line 9: `docs` is not `documents:` (every entry goes under `documents:`, indented); correct {m} (a backup or `git diff` "
     "shows the last change) and add the plan again"),
    ("entry-not-indented", lambda text: text.replace("\n  000_", "\n000_", 1).encode("utf-8"),
     "规划清单 {m} 第 10 行的“000_6ee266aaec99fe33.txt”顶格书写，不在 documents: 之下，清单无法完整读取，因此无法检查该文件是否已载入。"
     "请将该行缩进到 documents: 之下（或改正拼写、删除该行）后再添加。",
     "the plans manifest {m}, line 10: “000_6ee266aaec99fe33.txt” starts the line instead of standing under documents:, so the "
     "manifest does not read as a whole and the plan cannot be checked against the plans loaded. Indent that line under documents: "
     "(or correct its spelling, or delete it) and add the plan again.",
     "{m} line 10: `000_6ee266aaec99fe33.txt` is not `documents:`"),
    ("documents-twice", lambda text: text.replace("\ndocuments:", "\ndocuments:\ndocuments:").encode("utf-8"),
     "规划清单 {m} 第 10 行是第二个 documents: 行，其下的条目无法读取，因此无法检查该文件是否已载入。请只保留一个 documents: 行，所有条目缩进写在其下，然后再添加。",
     "the plans manifest {m}, line 10: a second documents: line, so the entries under it are not read and the plan cannot be checked "
     "against the plans loaded. Keep one documents: line with every entry under it, and add the plan again.",
     "{m} line 10: a second `documents:` line; keep one, with every entry under it, and add the plan again"),
    ("documents-colon-deleted", lambda text: text.replace("\ndocuments:", "\ndocuments").encode("utf-8"),
     "规划清单 {m} 中没有顶格书写的 documents: 一行，清单无法读取，因此无法检查该文件是否已载入。"
     "请修正 {m}（各条目缩进写在 documents: 之下；备份或 git diff 可显示最近的改动）后再添加。",
     "the plans manifest {m} has no documents: line at the start of a line, so it cannot be read and the plan cannot be checked "
     "against the plans loaded. Correct {m} (the entries go under documents:, indented; a backup or git diff shows the last change) "
     "and add the plan again.",
     "{m} has no `documents:` line with the entries under it"),
    ("documents-a-list", lambda text: b"documents: []\n",
     "规划清单 {m} 第 1 行：documents: 之下应为每份文件一个“文件名:”条目，清单无法读取，因此无法检查该文件是否已载入。请修正该行（备份或 git diff 可显示最近的改动）后再添加。",
     "the plans manifest {m}, line 1: documents: must hold one “file name:” entry per document, so the manifest cannot be read and "
     "the plan cannot be checked against the plans loaded. Correct that line (a backup or git diff shows the last change) and add "
     "the plan again.",
     "{m} line 1: `documents:` must hold one `file name:` entry per document"),
    ("another-top-level-key", lambda text: b"plans:\n",
     "规划清单 {m} 第 1 行的“plans”顶格书写，不在 documents: 之下，清单无法完整读取，因此无法检查该文件是否已载入。请将该行缩进到 documents: 之下（或改正拼写、删除该行）后再添加。",
     "the plans manifest {m}, line 1: “plans” starts the line instead of standing under documents:, so the manifest does not read as "
     "a whole and the plan cannot be checked against the plans loaded. Indent that line under documents: (or correct its spelling, "
     "or delete it) and add the plan again.",
     "{m} line 1: `plans` is not `documents:`"),
]


def broken_plans(tmp_path: Path, make) -> Path:
    plans = seed_plans(tmp_path)
    (plans / "manifest.yaml").write_bytes(make(SEED_MANIFEST))
    return plans


@pytest.mark.parametrize("make,zh,en,log", [c[1:] for c in BROKEN_MANIFESTS], ids=[c[0] for c in BROKEN_MANIFESTS])
def test_a_broken_manifest_refuses_the_add_naming_its_line_and_nothing_is_written(tmp_path, make, zh, en, log):
    plans = broken_plans(tmp_path, make)
    m = str(plans / "manifest.yaml")
    before = tree(plans)
    proposal = intake.propose("古县.txt", GU_SEED.encode("utf-8"))  # the plan already there: never added a second time
    [finding] = intake.check(proposal, proposal.fields, plans).errors  # what the page shows under 未添加
    assert both(finding) == (zh.format(m=m), en.format(m=m))
    with pytest.raises(intake.IntakeError) as refused:
        intake.add(proposal, proposal.fields, plans)
    assert both(refused.value) == ("未添加：" + zh.format(m=m), "Not added: " + en.format(m=m))
    assert str(refused.value).startswith(log.format(m=m))
    assert tree(plans) == before


def test_the_cli_refuses_the_same_plan_three_times_while_the_manifest_is_broken(tmp_path):
    plans = broken_plans(tmp_path, lambda text: text.replace("\ndocuments:", "\ndocs:").encode("utf-8"))
    before = tree(plans)
    source = tmp_path / "古县.txt"
    source.write_text(GU_SEED, encoding="utf-8")
    m = plans / "manifest.yaml"
    for _ in range(3):
        result = add_plan(plans, source)
        assert result.returncode == 1
        assert f"error: {m} line 9: `docs` is not `documents:` (every entry goes under `documents:`, indented)" in result.stderr
        assert result.stderr.endswith("nothing was written; fix what is named above and run add-plan again\n")
    assert tree(plans) == before


# --- a plan in plans/ that does not load is still compared

def test_a_plan_whose_entry_does_not_load_is_not_added_again(tmp_path):
    plans = broken_plans(tmp_path, lambda text: text.replace(f"{GU_LOADED}:\n    title", f"{GU_LOADED}:\n\ttitle", 1).encode("utf-8"))
    before = tree(plans)
    proposal = intake.propose("古县.txt", GU_SEED.replace("\n", "\r\n").encode("gb18030"))
    with pytest.raises(intake.IntakeError) as refused:
        intake.add(proposal, proposal.fields, plans)
    detail = f"entry {GU_LOADED} (line 36): line 37 holds a tab character; YAML indents with spaces only. Fix: replace the tab with spaces"
    assert both(refused.value) == (
        f"未添加：相同文字的文件 {GU_LOADED} 已在规划文件夹中，但未能载入（manifest.yaml 第 36 行的条目或该文件的文字有误，见下），"
        f"修正后会重复载入。请修正该处，不要再次添加。\n技术信息：{detail}",
        f"Not added: the same text is already in the plans folder as {GU_LOADED}, which is not loaded: its entry on line 36 of "
        "manifest.yaml, or its text, has a problem (below), and once that is fixed the plan would load twice. Correct that instead "
        f"of adding the plan again.\nDetails: {detail}")
    assert f"has the same text as {GU_LOADED}, which is in the plans folder but not loaded" in str(refused.value)
    assert tree(plans) == before


def test_a_plan_whose_text_was_resaved_as_gbk_is_not_added_again(tmp_path):
    plans = seed_plans(tmp_path)
    (plans / GU_LOADED).write_bytes(GU_SEED.encode("gbk"))  # opened and saved in an editor that writes GBK
    before = tree(plans)
    proposal = intake.propose("古县.txt", GU_SEED.encode("utf-8"))
    with pytest.raises(intake.IntakeError) as refused:
        intake.add(proposal, proposal.fields, plans)
    zh, en = both(refused.value)
    assert zh.startswith(f"未添加：相同文字的文件 {GU_LOADED} 已在规划文件夹中，但未能载入（manifest.yaml 第 36 行的条目或该文件的文字有误，见下）")
    assert en.startswith(f"Not added: the same text is already in the plans folder as {GU_LOADED}, which is not loaded")
    assert f"\n技术信息：document {GU_LOADED} " in zh and "UTF-8" in zh.split("技术信息：")[1]
    assert tree(plans) == before


def test_a_plan_left_without_an_entry_is_named_in_a_note_and_the_plan_is_added(tmp_path):
    plans = seed_plans(tmp_path)
    text = (plans / "manifest.yaml").read_text(encoding="utf-8")
    start = text.index(f"  {GU_LOADED}:")
    end = text.index("\n  003_", start) + 1
    (plans / "manifest.yaml").write_text(text[:start] + text[end:], encoding="utf-8")  # the entry deleted by hand, the file kept
    proposal = intake.propose("古县.txt", GU_SEED.encode("utf-8"))
    added = intake.add(proposal, proposal.fields, plans)
    assert [both(w) for w in added.warnings] == [(
        f"相同文字的文件 {GU_LOADED} 也在规划文件夹中，但 manifest.yaml 中没有它的条目，未载入。如它是遗留文件，请删除。",
        f"the same text is also in the plans folder as {GU_LOADED}, which has no entry in manifest.yaml and is not loaded; "
        "delete it if it is a leftover.")]
    assert (plans / added.document).read_text(encoding="utf-8") == GU_SEED


def test_the_cli_adds_a_text_copied_into_plans_without_calling_it_a_copy_of_itself(tmp_path):
    plans = seed_plans(tmp_path)
    hand = plans / "壶关县.txt"
    hand.write_text(other_county(), encoding="utf-8")
    result = add_plan(plans, hand)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr and "壶关县.txt" not in result.stderr


# --- 2. the size setting and the disk

@pytest.mark.parametrize("value", ["5MB", "0", "inf"])
def test_a_size_setting_that_is_not_a_positive_number_is_named_with_its_value(monkeypatch, value):
    monkeypatch.setenv("XIANCHENG_MAX_DOCUMENT_MB", value)
    with pytest.raises(intake.IntakeError) as refused:
        intake.propose("壶关县.txt", other_county().encode("utf-8"))
    assert both(refused.value) == (
        f"未添加：设置项 XIANCHENG_MAX_DOCUMENT_MB 的值“{value}”不是以 MB 为单位的正数，无法判断 壶关县.txt 是否超过规划文件的大小上限。"
        "请将该设置改为正数（默认为 5），然后重启应用。",
        f"Not added: the setting XIANCHENG_MAX_DOCUMENT_MB is “{value}”, which is not a positive number of MB, so whether 壶关县.txt "
        "is within the size limit for a plan cannot be told. Set it to a positive number (the default is 5) and restart the app.")


def test_the_cli_names_a_size_setting_that_is_not_a_number(tmp_path):
    plans = seed_plans(tmp_path)
    before = tree(plans)
    source = tmp_path / "壶关县.txt"
    source.write_text(other_county(), encoding="utf-8")
    result = add_plan(plans, source, env={**os.environ, "XIANCHENG_MAX_DOCUMENT_MB": "5MB"})
    assert result.returncode == 2
    assert result.stderr == ("error: 壶关县.txt was not added: XIANCHENG_MAX_DOCUMENT_MB must be a number of MB, got '5MB'; "
                             "set it to a positive number of MB (the default is 5) and restart\n")
    assert tree(plans) == before


def test_a_plans_folder_that_cannot_be_made_is_named_and_nothing_is_written(tmp_path):
    (tmp_path / "plans.txt").write_text("a file where the plans folder's parent should be\n", encoding="utf-8")
    plans = tmp_path / "plans.txt" / "plans"
    proposal = intake.propose("壶关县.txt", other_county().encode("utf-8"))
    with pytest.raises(intake.IntakeError) as refused:
        intake.add(proposal, proposal.fields, plans)
    assert both(refused.value) == (
        f"未添加：无法在规划文件夹 {plans} 中写入文件，未作任何更改。请检查该文件夹是否存在、是否可写。\n技术信息：Not a directory",
        f"Not added: no file can be written in the plans folder {plans}; nothing was changed. Check that the folder exists and can be "
        "written to.\nDetails: Not a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.txt"]


def test_when_the_original_cannot_be_kept_the_text_written_before_is_removed(tmp_path):
    plans = seed_plans(tmp_path)
    (plans / "originals").write_text("a file named like the originals folder\n", encoding="utf-8")
    before = tree(plans)
    proposal = intake.propose("壶关县.txt", other_county().encode("gbk"))  # converted: the GBK original is kept under originals/
    with pytest.raises(intake.IntakeError) as refused:
        intake.add(proposal, proposal.fields, plans)
    path = plans / "originals"
    assert both(refused.value) == (
        f"未添加：无法写入 {path}，未作任何更改（规划文件夹和 manifest.yaml 保持原样）。请检查磁盘空间和该文件夹的写入权限。\n技术信息：File exists",
        f"Not added: {path} could not be written; nothing was changed (the plans folder and manifest.yaml are as they were). "
        "Check the free disk space and that the folder can be written to.\nDetails: File exists")
    assert tree(plans) == before  # the text written a moment before is gone again


def limited_file_size(limit: int):
    """A real 'file too large' from the kernel for any write past limit bytes, root or not."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_a_full_disk_while_the_manifest_is_written_leaves_no_text_original_or_folder_behind(tmp_path):
    plans = seed_plans(tmp_path)
    before = tree(plans)
    data = other_county().encode("gbk")
    proposal = intake.propose("壶关县.txt", data)
    limit = 2048  # the text (about 1 KB) and the original fit, the manifest (3 KB and more) does not
    assert len(proposal.source.text.encode("utf-8")) < limit < len(SEED_MANIFEST.encode("utf-8"))
    restore = limited_file_size(limit)
    try:
        with pytest.raises(intake.IntakeError) as refused:
            intake.add(proposal, proposal.fields, plans)
    finally:
        restore()
    path = plans / "manifest.yaml"
    assert both(refused.value) == (
        f"未添加：无法写入 {path}，未作任何更改（规划文件夹和 manifest.yaml 保持原样）。请检查磁盘空间和该文件夹的写入权限。\n技术信息：File too large",
        f"Not added: {path} could not be written; nothing was changed (the plans folder and manifest.yaml are as they were). "
        "Check the free disk space and that the folder can be written to.\nDetails: File too large")
    assert tree(plans) == before  # no text, no originals/ with the GBK file, no temporary, the manifest unchanged
    added = intake.add(proposal, proposal.fields, plans)  # with room again, the same add goes through
    assert (plans / added.original).read_bytes() == data


def test_the_cli_names_the_manifest_when_the_disk_is_full(tmp_path):
    plans = seed_plans(tmp_path)
    before = tree(plans)
    source = tmp_path / "壶关县.txt"
    source.write_text(other_county(), encoding="utf-8")
    result = add_plan(plans, source, preexec_fn=lambda: resource.setrlimit(
        resource.RLIMIT_FSIZE, (2048, resource.getrlimit(resource.RLIMIT_FSIZE)[1])))
    assert result.returncode == 1
    assert result.stderr == (f"error: {plans / 'manifest.yaml'} could not be written (File too large); nothing was added, "
                             "the plans folder and manifest.yaml are as they were\n")
    assert tree(plans) == before


# --- what an add leaves of the folder's own settings: the manifest's mode, no lock file after a refusal

def listing(folder: Path) -> list[str]:
    """Every name under folder, hidden ones (a lock file, a temporary) included."""
    return sorted(os.path.relpath(os.path.join(top, name), folder)
                  for top, dirs, files in os.walk(folder) for name in dirs + files)


@pytest.mark.parametrize("mode", [0o640, 0o664], ids=["owner-only", "shared-group"])
def test_a_manifest_keeps_the_mode_an_administrator_gave_it_after_an_add(tmp_path, mode):
    plans = seed_plans(tmp_path)
    manifest = plans / "manifest.yaml"
    manifest.chmod(mode)
    source = tmp_path / "壶关县.txt"
    source.write_text(other_county(), encoding="utf-8")
    result = add_plan(plans, source, preexec_fn=lambda: os.umask(0o022))  # a default (0644) unlike either mode
    assert result.returncode == 0, result.stderr
    assert "壶关县" in manifest.read_text(encoding="utf-8")  # the manifest was replaced, not left alone
    assert oct(manifest.stat().st_mode & 0o7777) == oct(mode)
    [text] = [p for p in plans.glob("*.txt") if p.name not in GU_SEED_NAMES]
    assert oct(text.stat().st_mode & 0o7777) == oct(0o644)  # a new file: the umask default, as before


GU_SEED_NAMES = {p.name for p in (ROOT / "plans").glob("*.txt")}


def refused_as_duplicate(plans: Path) -> None:
    proposal = intake.propose("古县.txt", GU_SEED.encode("utf-8"))
    intake.add(proposal, proposal.fields, plans)


def refused_for_a_broken_manifest(plans: Path) -> None:  # the test broke the manifest
    proposal = intake.propose("壶关县.txt", other_county().encode("utf-8"))
    intake.add(proposal, proposal.fields, plans)


def failed_on_a_full_disk(plans: Path) -> None:
    proposal = intake.propose("壶关县.txt", other_county().encode("gbk"))
    restore = limited_file_size(2048)  # the manifest does not fit: the text and original written are undone
    try:
        intake.add(proposal, proposal.fields, plans)
    finally:
        restore()


@pytest.mark.parametrize("refuse", [refused_as_duplicate, refused_for_a_broken_manifest, failed_on_a_full_disk],
                         ids=["duplicate", "broken-manifest", "full-disk"])
def test_an_add_that_writes_nothing_leaves_no_new_file_in_the_plans_folder(tmp_path, refuse):
    plans = seed_plans(tmp_path)
    if refuse is refused_for_a_broken_manifest:
        (plans / "manifest.yaml").write_bytes(SEED_MANIFEST.replace("\ndocuments:", "\ndocs:").encode("utf-8"))
    before = listing(plans)
    assert ".manifest.lock" not in before
    with pytest.raises(intake.IntakeError):
        refuse(plans)
    assert listing(plans) == before


def test_a_lock_file_left_by_an_earlier_add_is_kept_by_a_refused_one(tmp_path):
    plans = seed_plans(tmp_path)
    (plans / ".manifest.lock").write_bytes(b"")  # made by an add that wrote, or by an older version
    before = listing(plans)
    with pytest.raises(intake.IntakeError):
        refused_as_duplicate(plans)
    assert listing(plans) == before


def test_an_add_waiting_while_a_refused_add_removes_the_lock_file_still_excludes_the_next(tmp_path):
    """The refused add removes its lock file while an add waits on it; the waiter must then hold
    the lock file the folder has, so a third add (here: this test) cannot take it as well."""
    plans = seed_plans(tmp_path)
    before = listing(plans)
    entered, leave = threading.Event(), threading.Event()

    def second() -> None:
        with intake._manifest_lock(plans):
            entered.set()
            leave.wait(30)

    with intake._manifest_lock(plans):  # the first add, made the lock file, writes nothing
        waiter = threading.Thread(target=second)
        waiter.start()
        for _ in range(500):  # until the second add has opened the file and waits in flock (a kernel
            if _waits_on_a_lock(waiter):  # that hides wait channels: 5 s, time enough to get there)
                break
            time.sleep(0.01)
        assert not entered.is_set()
    assert entered.wait(30)  # the first add left: the second holds the lock now
    try:
        third = os.open(plans / ".manifest.lock", os.O_RDWR | os.O_CREAT)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(third, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(third)
    finally:
        leave.set()
        waiter.join(30)
    assert listing(plans) == before  # nothing written: no lock file left either


def _waits_on_a_lock(thread: threading.Thread) -> bool:
    """Whether the thread sleeps in the kernel waiting for a file lock (its wait channel)."""
    try:
        wchan = Path(f"/proc/self/task/{thread.native_id}/wchan").read_text()
    except OSError:
        return False
    return "lock" in wchan
