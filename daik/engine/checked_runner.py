"""daik's mmengine ``Runner``: every checkpoint it reads goes through daik's one loader
(``torch.load(weights_only=True)``, :func:`daik.engine.checkpoint.load_plain_checkpoint`), is
loaded strictly unless fine-tuning opted out, is written atomically, and ``--resume`` falls
back past a checkpoint that a crash left truncated.

- ``load_checkpoint`` (``load_from``, ``daik test``, resume): strict by default - missing,
  unexpected or mis-shaped keys stop the run, all of them listed (``test()`` loads before it
  builds the test data, so nothing at all is done with a checkpoint that does not fit).
  ``runner.load_strict = False`` (``daik train --load-from X --non-strict``) loads what
  fits and logs what it skipped. A resume is always strict.
- ``save_checkpoint``: mmengine writes ``<name>.tmp<pid>``, renamed to ``<name>`` once complete.
- ``load_or_resume`` with ``resume=True`` and no ``load_from``: tries the checkpoint named in
  ``last_checkpoint``, then ``epoch_N.pth`` / ``iter_N.pth`` newest first; one that cannot be
  read (empty, truncated) is skipped with a warning naming it. A refused (foreign) or
  mis-fitting checkpoint stops the run instead.
"""
import os
import os.path as osp
import re
from typing import List

from mmengine.dist import is_main_process
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from daik.checkpoint import CheckpointReadError, load_plain_checkpoint, load_weights
from daik.distill import DISTILL_PREFIX

_NUMBERED = re.compile(r"^(epoch|iter)_(\d+)\.pth$")


def resume_candidates(work_dir: str) -> List[str]:
    """Checkpoints to resume from, best first: the one ``last_checkpoint`` names, then
    ``epoch_N.pth`` / ``iter_N.pth`` in ``work_dir`` by decreasing N."""
    out = []
    pointer = osp.join(work_dir, "last_checkpoint")
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and osp.isfile(named):
            out.append(named)
    numbered = []
    if osp.isdir(work_dir):
        for name in os.listdir(work_dir):
            m = _NUMBERED.match(name)
            if m:
                numbered.append((m.group(1) == "epoch", int(m.group(2)), osp.join(work_dir, name)))
    for _, _, path in sorted(numbered, reverse=True):
        if not any(osp.exists(p) and osp.samefile(p, path) for p in out):
            out.append(path)
    return out


class DaikRunner(Runner):
    """An mmengine ``Runner`` with daik's checkpoint rules (module docstring)."""

    load_strict: bool = True

    def load_checkpoint(self, filename: str, map_location="cpu", strict=None,
                        revise_keys=[(r"^module\.", "")]):  # noqa: B006 - mmengine's signature
        checkpoint = load_plain_checkpoint(filename, map_location=map_location)
        self.call_hook("after_load_checkpoint", checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        if strict is None:
            strict = self.load_strict or self._resume
        skipped = load_weights(model, checkpoint, strict=strict, source=filename, revise_keys=revise_keys,
                               ignore_prefixes=(DISTILL_PREFIX,))
        if any(skipped.values()):
            self.logger.warning(
                f"non-strict load of {filename}: these weights were NOT loaded (left as initialised):\n  "
                + "\n  ".join(f"{kind}: {', '.join(keys)}" for kind, keys in skipped.items() if keys))
        self._has_loaded = True
        self.logger.info(f"Load checkpoint from {filename}")
        return checkpoint

    def test(self) -> dict:
        """mmengine's ``test()``, with the checkpoint loaded (and checked) before the test data
        are even listed: a checkpoint that does not fit stops the run before any work."""
        if self._load_from is not None and not self._resume:
            self.load_or_resume()
        return super().test()

    def load_or_resume(self) -> None:
        if self._has_loaded or not (self._resume and self._load_from is None):
            return super().load_or_resume()
        candidates = resume_candidates(self.work_dir)
        skipped = []
        for path in candidates:
            try:
                self.resume(path)
            except CheckpointReadError as e:
                self.logger.warning(f"--resume: skipped {path}, it cannot be loaded ({e}); trying an older one")
                skipped.append(path)
                continue
            if skipped:
                self.logger.warning(f"--resume: resumed from {path} instead of {', '.join(skipped)}")
            self.logger.info(f"Auto resumed from the latest checkpoint that loads: {path}")
            self._has_loaded = True
            return None
        if skipped:
            raise CheckpointReadError(f"--resume: no checkpoint in {self.work_dir} can be loaded "
                                      f"(tried {', '.join(skipped)})")
        self.logger.warning(f"--resume: no checkpoint in {self.work_dir}; training from the start")
        return None

    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs):
        """mmengine's save into ``<filename>.tmp<pid>``, then an atomic rename to ``filename``."""
        if not osp.isdir(out_dir):  # a remote backend: no rename there
            return super().save_checkpoint(out_dir, filename, *args, **kwargs)
        tmp = f"{filename}.tmp{os.getpid()}"
        try:
            super().save_checkpoint(out_dir, tmp, *args, **kwargs)
            if is_main_process():
                os.replace(osp.join(out_dir, tmp), osp.join(out_dir, filename))
        finally:
            if osp.exists(osp.join(out_dir, tmp)):
                os.remove(osp.join(out_dir, tmp))
