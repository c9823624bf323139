"""Params and FLOPs of the YOLOv6-R family beside YOLOv6 v3.0's published figures.

    daik info [--sizes n s m l] [--img-sizes 640 1024] [--num-classes 15] [--json OUT]
    daik info --json benchmarks/model_info.json --readme benchmarks/README.md

With ``--readme`` the table also replaces the ``models`` section of that markdown file.
"""
import argparse
import json
import os
import sys

from daik.models.complexity import family_info, format_table
from daik.utils import replace_section

NOTE = ("Deploy = RepVGG blocks and batch norms folded (how YOLOv6 reports). Horizontal = same backbone and "
        "neck with YOLOv6 v3.0's head (80 classes; no DFL for n/s). FLOPs: torch FlopCounterMode, "
        "2 per multiply-add, one image.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["n", "s", "m", "l"], choices=["n", "s", "m", "l"])
    parser.add_argument("--img-sizes", nargs="+", type=int, default=[640, 1024])
    parser.add_argument("--num-classes", type=int, default=None, help="classes of the rotated models (config's by default)")
    parser.add_argument("--json", default=None, help="also write the rows as JSON here")
    parser.add_argument("--readme", default=None, help="markdown file whose models section is rewritten")
    args = parser.parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = family_info(args.sizes, tuple(args.img_sizes), args.num_classes, root=root)
    table = format_table(rows, tuple(args.img_sizes))
    print(table + "\n\n" + NOTE)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    if args.readme:
        command = " ".join(["daik", "info", *(sys.argv[1:] if argv is None else argv)])
        replace_section(args.readme, "models", f"## Model size (`{command}`)\n\n{table}\n\n{NOTE}\n")
