"""The distillation tests run tiny models: one thread is fastest for them and leaves the other
core to whatever else runs."""
from tests.threads import one_thread_fixture

_one_thread = one_thread_fixture()
