"""The record a split leaves in its output folder (``split_settings.json``), so that a re-run
resumes only the split it would have made: same patch size, gap, rates, thresholds, source.

Without the record a re-run with another ``--size`` would find the old patches "already
there" and keep them (their names do not carry the size).
"""
import json
import os
import shutil
from dataclasses import asdict
from typing import Dict, List, Optional

SETTINGS_FILE = "split_settings.json"


class SplitSettingsError(ValueError):
    """The output folder holds a split made with other settings; the message lists them."""


def split_settings(img_dir: str, ann_dir: Optional[str], cfg, allow_missing_labels: bool) -> dict:
    """What decides the patches' content: the :class:`~daik.data.split.SplitConfig` fields
    (but the class list, which only warns) and the source folders (absolute)."""
    fields = asdict(cfg)
    fields.pop("classes", None)
    fields["rates"] = [float(r) for r in fields["rates"]]
    return dict(img_dir=os.path.realpath(img_dir), ann_dir=os.path.realpath(ann_dir) if ann_dir else None,
                allow_missing_labels=bool(allow_missing_labels), **fields)


def _differences(old: dict, new: dict) -> List[str]:
    return [f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)]


def _patch_folders(out_dir: str, settings: Dict[str, object]) -> List[str]:
    return [os.path.join(out_dir, "images"), os.path.join(out_dir, str(settings.get("ann_dirname", "annfiles")))]


def _holds_files(folder: str) -> bool:
    return os.path.isdir(folder) and any(e.is_file() for e in os.scandir(folder))


def prepare_output(out_dir: str, settings: dict, overwrite: bool = False) -> None:
    """Make ``out_dir`` ready for a split with ``settings`` and record them.

    Same settings as recorded: nothing to do (the split resumes). Other settings, or patches
    without a record: :class:`SplitSettingsError`, or with ``overwrite`` the old ``images/`` and
    label folders are deleted first.
    """
    path = os.path.join(out_dir, SETTINGS_FILE)
    old = None
    if os.path.isfile(path):
        with open(path) as f:
            old = json.load(f)
        if old == settings:
            return
        problem = (f"{out_dir} holds a split made with other settings:\n  " + "\n  ".join(_differences(old, settings)))
    elif any(_holds_files(d) for d in _patch_folders(out_dir, settings)):
        problem = (f"{out_dir} holds patches but no {SETTINGS_FILE} (made by an older daik or another tool), "
                   "so whether they match these settings cannot be told")
    else:
        problem = None
    if problem is not None:
        if not overwrite:
            raise SplitSettingsError(f"{problem}\nUse another output folder, or --overwrite to delete the old "
                                     "patches and split again.")
        for folder in set(_patch_folders(out_dir, settings) + (_patch_folders(out_dir, old) if old else [])):
            if os.path.isdir(folder):
                shutil.rmtree(folder)
    os.makedirs(out_dir, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(settings, f, indent=2)
    os.replace(tmp, path)
