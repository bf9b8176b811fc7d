"""Makes ``pytest cases/`` run the harness: see :mod:`harness.pytest_plugin`."""

pytest_plugins = ["harness.pytest_plugin"]
