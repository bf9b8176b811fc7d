"""Command line: ``python -m harness run|list|validate|compare|html`` (also installed as ``keras-harness``).

User errors print one line and exit 2; an environment whose invariants fail unexpectedly, or
whose runs crash, exits 1; otherwise 0. Interrupted runs exit 130 (SIGINT) or 143 (SIGTERM)
after saving their partial report.
"""

import argparse
import os
import sys
from typing import List, Optional

from harness.errors import UserError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = {"SIGINT": 130, "SIGTERM": 143}


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("expected a positive integer. Received: {}".format(text))
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("expected a positive number of seconds. Received: {}".format(text))
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run cases in this environment and write its report")
    run.add_argument("-k", dest="patterns", action="append", default=[],
                     help="select cases whose id matches (glob or substring); repeatable")
    run.add_argument("--cases", default="cases", help="folder of case files (default: %(default)s)")
    run.add_argument("--env", default=None, help="environment name (default: $TOX_ENV_NAME, else 'local')")
    run.add_argument("--output", default=None, help="report path (default: reports/<env>.json)")
    run.add_argument("--repeats", type=_positive_int, default=3, help="seeds per variant (default: %(default)s)")
    run.add_argument("--init-mode", dest="init_modes", action="append", choices=("framework", "pinned"),
                     help="initialisation mode(s) to run (default: both)")
    run.add_argument("--profile", default="default", help="case size profile: default, or full (document size)")
    run.add_argument("--timeout", type=_positive_float, default=600.0, help="per-run timeout in seconds (default: %(default)s)")
    run.add_argument("--memory-limit", dest="memory_limit_mib", type=_positive_float, default=None, metavar="MIB",
                     help="kill a run whose resident memory passes MIB mebibytes (recorded as an error); Linux only")
    run.add_argument("--jobs", type=_positive_int, default=min(2, os.cpu_count() or 1),
                     help="runs at once, each in its own process (default: %(default)s)")
    run.add_argument("--no-determinism-rerun", dest="determinism_reruns", action="store_false",
                     help="do not run repeat 0 twice to test bitwise determinism")
    existing = run.add_mutually_exclusive_group()
    existing.add_argument("--resume", dest="on_existing", action="store_const", const="resume",
                          help="keep the finished cases of the unfinished report at --output and run the rest")
    existing.add_argument("--overwrite", dest="on_existing", action="store_const", const="overwrite",
                          help="replace the report at --output even if it is unfinished or unreadable")
    listing = commands.add_parser("list", help="list the cases, their variants and checks")
    listing.add_argument("--cases", default="cases")
    validate = commands.add_parser("validate", help="check report files against the schema")
    validate.add_argument("reports", nargs="+")
    compare = commands.add_parser("compare", help="compare reports across environments (exit 1 when the gate fails)")
    compare.add_argument("reports", nargs="+", help="per-environment reports, e.g. reports/*.json")
    compare.add_argument("--baseline", help="environment to compare every other against (default: all pairs)")
    compare.add_argument("--output", default=os.path.join("reports", "comparison.json"), help="default: %(default)s")
    compare.add_argument("--markdown", default=os.path.join("reports", "comparison.md"),
                         help="Markdown summary for a CI job summary or PR comment (default: %(default)s)")
    page = commands.add_parser("html", help="render a comparison.json as one self-contained HTML page")
    page.add_argument("comparison", nargs="?", default=os.path.join("reports", "comparison.json"))
    page.add_argument("--output", default=os.path.join("reports", "comparison.html"), help="default: %(default)s")
    return parser


def _run(arguments: argparse.Namespace) -> int:
    # Quiet TensorFlow's C++ logging before it is imported; a user's own setting wins.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from harness import runner, summary
    env_name = arguments.env or os.environ.get("TOX_ENV_NAME") or "local"
    settings = runner.Settings(
        cases_folder=arguments.cases, output=arguments.output or os.path.join("reports", env_name + ".json"),
        env_name=env_name, patterns=arguments.patterns, repeats=arguments.repeats,
        init_modes=arguments.init_modes or ("framework", "pinned"), profile=arguments.profile,
        timeout=arguments.timeout, jobs=arguments.jobs, determinism_reruns=arguments.determinism_reruns,
        on_existing=arguments.on_existing, memory_limit_mib=arguments.memory_limit_mib)
    document = runner.run(settings)
    sys.stdout.write(summary.render(document))
    sys.stdout.write("report: {}\n".format(settings.output))
    if document["interrupted"]:
        return EXIT_INTERRUPTED.get(document["interrupted"], 1)
    if not document["cases"] and not document["load_errors"]:
        raise UserError("no case matches {} in {}".format(arguments.patterns or "any pattern", arguments.cases))
    return int(document["summary"]["exit_status"])


def _list(arguments: argparse.Namespace) -> int:
    from harness.discovery import discover
    loaded, errors = discover(arguments.cases)
    for item in loaded:
        case = item.case
        print("{} ({}): {}".format(case.id, item.relative_path, case.title))
        print("  variants: " + ", ".join(variant.name for variant in case.variants))
        for check in case.checks:
            print("  check {} [{}]: {}".format(check.id, check.kind, check.description))
    for error in errors:
        print("error: {}".format(error))
    return 1 if errors else 0


def _validate(arguments: argparse.Namespace) -> int:
    from harness import report
    for path in arguments.reports:
        report.load(path)
        print("{}: valid".format(path))
    return 0


def _compare(arguments: argparse.Namespace) -> int:
    from harness import compare, present, report, schema
    from harness.strict_json import dumps, to_plain, write_atomically
    documents = []
    for path in arguments.reports:
        if os.path.abspath(path) in (os.path.abspath(arguments.output), os.path.abspath(arguments.markdown)):
            continue  # reports/*.json also matches the previous comparison
        document = report.load(path)
        name = document["environment"]["name"]
        if name in [n for n, _ in documents]:
            raise UserError("{}: environment '{}' is already given by another report".format(path, name))
        documents.append((name, document))
    if len(documents) < 2:
        raise UserError("compare needs at least two reports of different environments; got {}".format(len(documents)))
    if arguments.baseline and arguments.baseline not in [name for name, _ in documents]:
        raise UserError("--baseline {}: no such environment among {}".format(
            arguments.baseline, ", ".join(name for name, _ in documents)))
    comparison = compare.compare(documents, arguments.baseline)
    problems = schema.validation_errors(to_plain(comparison), schema.load_schema(schema.COMPARISON_SCHEMA_PATH))
    if problems:
        raise AssertionError("refusing to write an invalid comparison: " + "; ".join(problems[:5]))
    write_atomically(arguments.output, dumps(comparison) + "\n")
    write_atomically(arguments.markdown, present.markdown(comparison))
    sys.stdout.write(present.terminal(comparison))
    sys.stdout.write("comparison: {}, summary: {}\n".format(arguments.output, arguments.markdown))
    return 1 if comparison["gate"]["failed"] else 0


def _html(arguments: argparse.Namespace) -> int:
    from harness import html_page
    from harness.strict_json import write_atomically
    write_atomically(arguments.output, html_page.render(html_page.load_comparison(arguments.comparison)))
    print("html: {}".format(arguments.output))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    arguments = _parser().parse_args(argv)
    commands = {"run": _run, "list": _list, "validate": _validate, "compare": _compare, "html": _html}
    if arguments.command not in commands:
        _parser().print_help()
        return EXIT_USER_ERROR
    try:
        return commands[arguments.command](arguments)
    except UserError as error:
        sys.stderr.write("error: {}\n".format(error))
        return EXIT_USER_ERROR
    except BrokenPipeError:  # the reader went away (`... | head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
