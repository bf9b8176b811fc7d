"""The in-environment side: discovers cases, runs each in a forked child on the framework under
test, judges checks and writes the report. Python 3.7, standard library, NumPy and the framework
only: it runs inside the oldest environment of the matrix (TF 1.14)."""
