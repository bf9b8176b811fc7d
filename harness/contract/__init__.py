"""The contract between the two sides: the report and comparison documents, their schemas, their
words (statuses, verdicts) and the run settings. Standard library only, Python 3.7: the runner
writes reports with it inside every environment, and the host reads them with it."""
