"""``--cfg-options key=value`` that cannot silently do nothing.

mmengine merges any key into a config; a misspelt one (``model.test_cfg.score_tresh``,
``tset_dataloader.batch_size``) is then read by nobody and the run goes on with the old value.
:func:`check_cfg_options` refuses, before the merge, a top-level key neither the config nor
the runner knows, and an unknown key under ``model...test_cfg`` (post-processing), the data
loaders (and their ``dataset``) and the schedule (``train_cfg`` / ``val_cfg`` / ``test_cfg``),
naming the known keys. :class:`DictAction` says how an option without ``=`` should look.
"""
import difflib
import inspect
from typing import Any, Iterable, List, Optional, Set

from mmengine.config import Config
from mmengine.config import DictAction as _MMDictAction

# what mmengine's Runner.from_cfg reads, plus daik's own top-level entries
RUNNER_KEYS = {
    "model", "work_dir", "train_dataloader", "val_dataloader", "test_dataloader", "train_cfg", "val_cfg",
    "test_cfg", "auto_scale_lr", "optim_wrapper", "param_scheduler", "val_evaluator", "test_evaluator",
    "default_hooks", "custom_hooks", "data_preprocessor", "load_from", "resume", "launcher", "env_cfg",
    "log_processor", "log_level", "visualizer", "default_scope", "randomness", "experiment_name",
    "model_wrapper_cfg", "find_unused_parameters", "infer_cfg", "img_scale",
}
LOADER_KEYS = {
    "batch_size", "num_workers", "persistent_workers", "sampler", "batch_sampler", "collate_fn", "dataset",
    "pin_memory", "drop_last", "prefetch_factor", "worker_init_fn", "timeout", "generator", "pin_memory_device",
    "multiprocessing_context", "in_order",
}
LOADERS = ("train_dataloader", "val_dataloader", "test_dataloader")
LOOPS = ("train_cfg", "val_cfg", "test_cfg")


class ConfigOptionError(ValueError):
    """A ``--cfg-options`` key that nothing would read, or a malformed option."""


class DictAction(_MMDictAction):
    """mmengine's ``DictAction``, with a message saying how an option without ``=`` should look."""

    def __call__(self, parser, namespace, values, option_string=None):
        for kv in values or []:
            if "=" not in kv:
                parser.error(f"{option_string or '--cfg-options'}: {kv!r} is not key=value; write e.g. "
                             "model.test_cfg.score_thr=0.3 or train_dataloader.batch_size=8 "
                             "(lists: key=[a,b] or key=a,b)")
        super().__call__(parser, namespace, values, option_string)


def _node(cfg: Any, parts: Iterable[str]) -> Any:
    """``cfg[p0][p1]...`` (list items by index), or None where the path ends."""
    node = cfg._cfg_dict if isinstance(cfg, Config) else cfg
    for p in parts:
        if isinstance(node, dict):
            node = node.get(p)
        elif isinstance(node, (list, tuple)) and p.isdigit() and int(p) < len(node):
            node = node[int(p)]
        else:
            return None
    return node


def _params(cls) -> Set[str]:
    """Constructor parameters of ``cls`` and, where it takes ``**kwargs``, of its bases."""
    names: Set[str] = set()
    for klass in inspect.getmro(cls):
        if "__init__" not in vars(klass):
            continue
        sig = inspect.signature(vars(klass)["__init__"])
        names |= {n for n, p in sig.parameters.items() if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
            break
    return names


def _registered(registry, type_name: Any) -> Optional[type]:
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    try:
        return registry.get(type_name)
    except Exception:  # noqa: BLE001 - an unknown type is the builder's error to report, not ours
        return None


def _known_keys(cfg: Config, parts: List[str]) -> Optional[Set[str]]:
    """Keys that may follow ``parts`` (None: this path is not checked)."""
    existing = _node(cfg, parts)
    have = set(existing) if isinstance(existing, dict) else set()
    if parts and parts[0] == "model" and parts[-1] == "test_cfg":
        from daik.models.heads.postprocess import DEFAULT_TEST_CFG

        return have | set(DEFAULT_TEST_CFG)
    if len(parts) == 1 and parts[0] in LOADERS:
        return have | LOADER_KEYS
    if len(parts) == 2 and parts[0] in LOADERS and parts[1] == "dataset" and isinstance(existing, dict):
        import daik.data  # noqa: F401  (registers the data sets)
        from daik.registry import DATASETS

        cls = _registered(DATASETS, existing.get("type"))
        return None if cls is None else have | _params(cls) | {"type"}
    if len(parts) == 1 and parts[0] in LOOPS:
        from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop, TestLoop, ValLoop

        loops = (EpochBasedTrainLoop, IterBasedTrainLoop) if parts[0] == "train_cfg" else (ValLoop, TestLoop)
        return have | {"type", "by_epoch"} | {n for c in loops for n in _params(c)} - {"runner", "dataloader", "evaluator"}
    return None


def check_cfg_options(cfg: Config, options: dict) -> None:
    """Raise :class:`ConfigOptionError` for an option key nothing would read (module docstring)."""
    for key in options:
        parts = key.split(".")
        checks = [([], parts[0], set(cfg.keys()) | RUNNER_KEYS)]
        for i in range(1, len(parts)):
            known = _known_keys(cfg, parts[:i])
            if known is not None:
                checks.append((parts[:i], parts[i], known))
        for where, name, known in checks:
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                raise ConfigOptionError(
                    f"--cfg-options {key}: nothing reads {name!r} "
                    f"{'at the top level' if not where else 'under ' + '.'.join(where)}"
                    f"{f' (did you mean {close[0]!r}?)' if close else ''}; known keys: {', '.join(sorted(known))}")
