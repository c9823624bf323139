"""Fixtures shared by the data tests."""
import pytest


@pytest.fixture()
def warnings_logged():
    """Messages (INFO and up) of mmengine's current logger during the test (where daik's loaders warn)."""
    import logging

    from mmengine.logging import MMLogger

    class Keep(logging.Handler):
        def __init__(self):
            super().__init__(level=logging.INFO)
            self.lines = []

        def emit(self, record):
            self.lines.append(record.getMessage())

    logger, keep = MMLogger.get_current_instance(), Keep()
    logger.addHandler(keep)
    yield keep.lines
    logger.removeHandler(keep)
