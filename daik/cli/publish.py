"""Strip a training checkpoint to its (EMA) weights, in float16 unless told otherwise.

    daik publish work_dirs/x/epoch_24.pth checkpoints/x.pth [--fp32]
"""
import argparse

from daik.checkpoint import publish_checkpoint
from daik.distill import DISTILL_PREFIX


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--fp32", action="store_true", help="keep float32 weights")
    args = p.parse_args(argv)
    try:
        info = publish_checkpoint(args.src, args.dst, fp16=not args.fp32, drop_prefixes=(DISTILL_PREFIX,))
    except ValueError as e:
        raise SystemExit(f"error: {e}") from None
    print(f"{args.dst}: {info['params'] / 1e6:.2f} M parameters, {info['bytes'] / 2**20:.1f} MiB")
