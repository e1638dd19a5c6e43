"""Session-wide test setup."""

import pytest

from lg_router.classifiers import embedding


@pytest.fixture(scope="session", autouse=True)
def _semantic_model_loaded() -> None:
    """Load the default classifier's model once, before any test times a routed run.

    With the ``semantic`` extra (in ``[test]``) the first decision of a process loads
    onnxruntime and the MiniLM model (about 0.3 s, more on a loaded machine); tests that
    bound a graph run's wall time should not pay that inside their window.
    """
    if embedding.available():
        embedding.shared().ready()
