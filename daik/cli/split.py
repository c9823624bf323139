"""Split DOTA-style scenes into fixed-size patches with their labels (resumable, multi-process).

    # mmrotate's single-scale split: 1024 x 1024 patches, 200 px gap
    daik split --preset ss --img-dir data/DOTA/train/images \
        --ann-dir data/DOTA/train/labelTxt --out data/split_ss_dota/trainval
    # multi-scale: 1024 / 500 at rates 0.5, 1.0, 1.5
    daik split --preset ms --img-dir ... --ann-dir ... --out data/split_ms_dota/trainval
    # test images without labels
    daik split --preset ss --img-dir data/DOTA/test/images --out data/split_ss_dota/test

Writes ``OUT/images/<id>__<rate>__<x>___<y>.png`` and ``OUT/annfiles/<same>.txt``. Objects
whose part inside a patch is at most 0.7 of their area are written with difficulty 2 (the
rules: :mod:`daik.data.split`). Running again with the same settings writes only the patches
that are missing; with other settings it stops (``--overwrite`` deletes the old patches first).
The settings are recorded in ``OUT/split_settings.json``.
"""
import argparse
import os
import time

from daik.classes import get_classes
from daik.data.split import PRESETS, SplitSettingsError, config_from, split_dataset


def parse_class_list(text):
    """``dota1.0`` (a list of :mod:`daik.classes`) or ``plane,ship``; None stays None."""
    if text is None:
        return None
    return get_classes(text if "," not in text else [t.strip() for t in text.split(",") if t.strip()])


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--img-dir", required=True, help="folder of scene images")
    p.add_argument("--ann-dir", default=None, help="folder of labelTxt files (omit for test images)")
    p.add_argument("--out", required=True, help="output folder (images/ and annfiles/ inside)")
    p.add_argument("--preset", default="ss", choices=sorted(PRESETS))
    p.add_argument("--size", type=int, default=None, help="patch size (preset default 1024)")
    p.add_argument("--gap", type=int, default=None, help="overlap of neighbouring patches")
    p.add_argument("--rates", type=float, nargs="+", default=None, help="scene scales, e.g. 0.5 1.0 1.5")
    p.add_argument("--iof-thr", type=float, default=None, help="<= this fraction inside: difficulty 2 (0.7)")
    p.add_argument("--pad-val", type=int, default=None, help="padding value (0)")
    p.add_argument("--ext", default=None, help="patch image suffix (.png)")
    p.add_argument("--ann-dirname", default=None, help="label sub-folder name (annfiles)")
    p.add_argument("--skip-invalid", action="store_true", help="skip malformed label lines instead of failing")
    p.add_argument("--allow-missing-labels", action="store_true", help="split images without a label file as empty")
    p.add_argument("--classes", default=None,
                   help="class list to warn against ('dota1.0', 'dior', ... or 'a,b,c'); default: every list daik knows")
    p.add_argument("--overwrite", action="store_true",
                   help="OUT holds a split made with other settings: delete its patches and split again")
    p.add_argument("--nproc", type=int, default=min(2, os.cpu_count() or 1))
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = config_from(args.preset, size=args.size, gap=args.gap, rates=tuple(args.rates) if args.rates else None,
                      iof_thr=args.iof_thr, pad_val=args.pad_val, img_ext=args.ext, ann_dirname=args.ann_dirname,
                      skip_invalid=args.skip_invalid or None, classes=parse_class_list(args.classes))
    t0 = time.perf_counter()
    try:
        rep = split_dataset(args.img_dir, args.ann_dir, args.out, cfg, nproc=args.nproc,
                            allow_missing_labels=args.allow_missing_labels, overwrite=args.overwrite)
    except SplitSettingsError as e:
        raise SystemExit(f"split_dota: {e}") from None
    print(f"\n{rep.scenes} scenes -> {rep.patches} patches: {rep.written} written, "
          f"{rep.skipped_existing} already there; {rep.stats.summary() or 'no skips'}; "
          f"{time.perf_counter() - t0:.1f} s")
