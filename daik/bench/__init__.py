"""daik's benchmarks: one module per suite (``ops``, ``eval``, ``infer``, ``export``, ``kd``,
``train``, ``synthetic``; ``teachers`` and ``demo``), each with ``parse_args(argv)`` and
``main(argv)`` (``daik bench SUITE ...``, ``tools/bench_*.py``), what they all repeat in
:mod:`.common`, the shapely / numpy peers the tests also use in :mod:`.references`, and the
distillation benchmark's runner, run cache and report (:mod:`.kd_runner`, :mod:`.kd_cache`,
:mod:`.kd_report`). Nothing else in ``daik`` imports this package."""
