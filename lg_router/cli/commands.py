"""The ``lg-router`` command line: route, run, chat, catalog, graph, health.

Exit codes: 0 success, 1 an error lg-router or a model reported (one line on stderr;
``--debug`` adds the traceback), 2 a usage error (unknown command or option, bad value),
130 interrupted. The import stays light: ``langchain_openai`` is imported only when a
command builds a model.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from lg_router.catalog import ModelCatalog
from lg_router.cli.env import load_catalog
from lg_router.cli.health import HealthOpt, health_option
from lg_router.cli.health import health as health_command
from lg_router.cli.input import build_task, parse_models, read_task
from lg_router.cli.render import catalog_table, decision_json, print_decision, summary_line, what_next
from lg_router.errors import InvalidOptionError, LgRouterError, RoutingError
from lg_router.redaction import redact
from lg_router.routing import default_classifier_name

try:  # recent typer vendors click; older typer uses click itself
    from typer._click import exceptions as click
except ImportError:  # pragma: no cover
    from click import exceptions as click  # type: ignore[no-redef]

PROG = "lg-router"


class Preference(str, Enum):
    """Routing preference."""

    balanced = "balanced"
    quality = "quality"
    speed = "speed"
    cost = "cost"


class ClassifierName(str, Enum):
    """Built-in classifiers."""

    semantic = "semantic"
    learned = "learned"
    rules = "rules"
    llm = "llm"
    hybrid = "hybrid"


# The best offline classifier installed: semantic with lg-router[semantic], else learned.
DEFAULT_CLASSIFIER = ClassifierName(default_classifier_name())


class _App(typer.Typer):
    """The Typer app whose call runs :func:`main` (one-line errors, exit codes)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        exit_with(main())


app = _App(
    name=PROG,
    help="Route a task to the best model of a catalog (ranked top 3, fallbacks), run it, chat.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_debug = {"on": os.environ.get("LG_ROUTER_DEBUG", "") not in ("", "0")}

# Options shared by several commands.
CatalogOpt = Annotated[
    str | None,
    typer.Option("--catalog", "-c", help="Preset (oxlo, tiers) or YAML file. Env: LG_ROUTER_CATALOG."),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url", help="Send every model to this OpenAI-compatible endpoint. Env: LG_ROUTER_BASE_URL."
    ),
]
KeyEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key-env", help="Env var holding the --base-url endpoint's key. Env: LG_ROUTER_API_KEY_ENV."
    ),
]
PrefOpt = Annotated[Preference, typer.Option("--preference", "-p", help="What to optimise.")]
ModelsOpt = Annotated[
    str | None, typer.Option("--models", "-m", help="Candidate pool: comma-separated catalog ids.")
]
ClassifierOpt = Annotated[
    ClassifierName,
    typer.Option(
        "--classifier",
        help="semantic (offline, default with lg-router[semantic]), learned (offline, default"
        " otherwise), rules (offline), llm or hybrid.",
    ),
]
TaskArg = Annotated[
    str | None, typer.Argument(help="The task text, or '-' to read it from stdin.", show_default=False)
]
FileOpt = Annotated[
    Path | None, typer.Option("--file", "-f", help="Read the task (or content appended to TASK) from a file.")
]
ImageOpt = Annotated[
    list[str] | None,
    typer.Option("--image", "-i", help="Attach an image (local path or URL); repeatable."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


@dataclass(frozen=True)
class RouterOptions:
    """The router options a command shares, resolved: the loaded catalog and the choices.

    Typer has no option groups, so each command still declares ``--catalog``,
    ``--models``, ``--classifier`` and ``--preference`` itself; this is what their values
    turn into, passed on to every routing call the same way.
    """

    catalog: ModelCatalog
    classifier: ClassifierName
    preference: Preference
    models: list[str] | None

    def kwargs(self) -> dict[str, Any]:
        """The keywords of ``route``, ``create_router``, ``evaluate`` and ``judge``."""
        return {
            "catalog": self.catalog,
            "classifier": self.classifier.value,
            "preference": self.preference.value,
            "models": self.models,
        }

    def check_classifier_key(self) -> None:
        """With ``--classifier llm/hybrid``, name a missing key of the model that classifies.

        The user asked for the LLM to decide: say which key is missing rather than
        letting the rules decide in its place (the rules need no key).
        """
        if self.classifier in (ClassifierName.llm, ClassifierName.hybrid):
            from lg_router.cli.stream import check_keys

            check_keys(self.catalog, [self.catalog.fallback_default])


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """lg-router: a model router for LangChain and LangGraph."""
    if debug:
        _debug["on"] = True
    if version:
        from lg_router import __version__

        out.print(f"lg-router {__version__}")
        raise typer.Exit(0)


@app.command()
def route(
    task: TaskArg = None,
    file: FileOpt = None,
    image: ImageOpt = None,
    catalog: CatalogOpt = None,
    preference: PrefOpt = Preference.balanced,
    models: ModelsOpt = None,
    classifier: ClassifierOpt = DEFAULT_CLASSIFIER,
    json_output: JsonOpt = False,
    base_url: BaseUrlOpt = None,
    api_key_env: KeyEnvOpt = None,
) -> None:
    """Rank the catalog's models for TASK (top 3 with reasons) without running it."""
    from lg_router.routing import route as decide

    text = read_task(task, file)
    routed = build_task(text, image)
    cat = load_catalog(catalog, base_url=base_url, api_key_env=api_key_env)
    opts = RouterOptions(cat, classifier, preference, parse_models(models))
    opts.check_classifier_key()
    started = time.perf_counter()
    decision = decide(routed, **opts.kwargs())
    seconds = time.perf_counter() - started
    if json_output:
        _print_json(decision_json(decision, seconds=seconds))
        return
    print_decision(out, decision, seconds=seconds)


def _seconds(value: float | None) -> float | None:
    """``--timeout``: a finite number of seconds > 0 (exit 2 otherwise)."""
    from lg_router.state import check_seconds

    try:
        return check_seconds("--timeout", value)
    except InvalidOptionError as exc:
        raise typer.BadParameter(str(exc)) from None


TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", callback=_seconds, help="Seconds per model attempt.")
]


@app.command()
def run(
    task: TaskArg = None,
    file: FileOpt = None,
    image: ImageOpt = None,
    catalog: CatalogOpt = None,
    preference: PrefOpt = Preference.balanced,
    models: ModelsOpt = None,
    classifier: ClassifierOpt = DEFAULT_CLASSIFIER,
    base_url: BaseUrlOpt = None,
    api_key_env: KeyEnvOpt = None,
    timeout: TimeoutOpt = None,
    json_output: JsonOpt = False,
    health: HealthOpt = None,
) -> None:
    """Route TASK, stream the answer, then print who answered and what it cost.

    The decision and the summary go to stderr, the answer to stdout.
    """
    from lg_router.cli.stream import check_keys, stream_turn
    from lg_router.task import to_messages

    text = read_task(task, file)
    messages = to_messages(build_task(text, image))
    cat = load_catalog(catalog, base_url=base_url, api_key_env=api_key_env)
    opts = RouterOptions(cat, classifier, preference, parse_models(models))
    graph = _compiled(opts, timeout, health_option(health))

    def decided(decision: Any, seconds: float) -> None:
        check_keys(cat, decision.model_ids)  # names the model the task was routed to
        if not json_output:
            print_decision(err, decision, seconds=seconds)

    sink = open(os.devnull, "w") if json_output else sys.stdout  # noqa: SIM115
    try:
        turn = stream_turn(
            graph,
            messages,
            on_decision=decided,
            on_failure=None if json_output else _report_failure,
            out=sink,
        )
    finally:
        if sink is not sys.stdout:
            sink.close()
    if json_output:
        data = {
            "answer": turn.answer.content,
            "model": turn.answer.response_metadata.get("model_name"),
            "decision": decision_json(turn.decision, seconds=turn.decision_seconds),
            "attempts": [a.model_dump(mode="json") for a in turn.attempts],
            "usage": turn.answer.usage_metadata,
            "seconds": round(turn.seconds, 3),
        }
        _print_json(data)
        return
    err.print(summary_line(turn.answer, turn.attempts, cat, turn.seconds), style="bold")


@app.command()
def chat(
    catalog: CatalogOpt = None,
    preference: PrefOpt = Preference.balanced,
    models: ModelsOpt = None,
    classifier: ClassifierOpt = DEFAULT_CLASSIFIER,
    base_url: BaseUrlOpt = None,
    api_key_env: KeyEnvOpt = None,
    timeout: TimeoutOpt = None,
    health: HealthOpt = None,
) -> None:
    """Chat in the terminal; every turn is routed and shows which model answered.

    The conversation is kept across turns. Type 'exit' or 'quit' (or press Ctrl-D) to
    leave; Ctrl-C stops the current answer.
    """
    from lg_router.cli.chat import repl
    from lg_router.cli.stream import check_keys

    cat = load_catalog(catalog, base_url=base_url, api_key_env=api_key_env)
    opts = RouterOptions(cat, classifier, preference, parse_models(models))
    graph = _compiled(opts, timeout, health_option(health))
    check_keys(cat, opts.models)
    repl(graph, cat, out=out, err=err)


@app.command("catalog")
def catalog_cmd(
    name: Annotated[
        str | None,
        typer.Argument(
            help="Preset (oxlo, tiers) or YAML file [default: oxlo or LG_ROUTER_CATALOG]", show_default=False
        ),
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Only check the catalog; exit 1 if invalid.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Show a catalog's models: capabilities, context windows, prices."""
    from lg_router.catalog import preset_names

    cat = load_catalog(name)
    if validate:
        out.print(f"catalog '{cat.name}' is valid: {len(cat)} models ({', '.join(cat.ids)})")
        return
    if json_output:
        _print_json(cat.model_dump(mode="json"))
        return
    out.print(catalog_table(cat))
    out.print(f"presets: {', '.join(preset_names())} (or a YAML file)", style="dim")


@app.command()
def graph(
    catalog: CatalogOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write .mmd (Mermaid text), or .png/.svg/.pdf via a local mmdc."),
    ] = None,
) -> None:
    """Print the router graph as Mermaid (or render it with a local mermaid-cli)."""
    from lg_router.cli.graph import render

    cat = load_catalog(catalog)
    render(cat, output, out=out)


app.command("health")(health_command)


def _compiled(opts: RouterOptions, timeout: float | None, health: str | None = "memory") -> Any:
    from lg_router.cli.env import decision_cache
    from lg_router.graph import create_router

    return create_router(
        **opts.kwargs(), timeout=timeout, decision_cache=decision_cache(), health=health
    ).compile()


def _report_failure(attempt: Any, next_model: str | None) -> None:
    err.print(
        f"[{attempt.model_id}] {attempt.outcome} after {attempt.seconds:.2f}s"
        f" ({attempt.error_type}: {redact(str(attempt.error))}) - {what_next(attempt, next_model)}",
        style="yellow",
        markup=False,
    )


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _fail(message: str, code: int, exc: BaseException | None = None) -> NoReturn:
    if exc is not None and _debug["on"]:
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    err.print(f"{PROG}: error: {redact(message)}", markup=False, soft_wrap=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of printing tracebacks."""
    command = typer.main.get_command(app)
    args = _take_debug(sys.argv[1:] if argv is None else list(argv))
    try:
        result = command.main(args=args, prog_name=PROG, standalone_mode=False)
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            out.print(exc.ctx.get_help(), markup=False, highlight=False)
            return 2
        where = exc.ctx.command_path if exc.ctx else PROG
        message = exc.format_message().replace("Value error, ", "")
        _fail(f"{message} (see '{where} --help')", 2, exc)
    except typer.Abort:
        err.print("interrupted")
        return 130
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code, exc)
    except InvalidOptionError as exc:
        _fail(_one_line(exc), 2, exc)
    except RoutingError as exc:
        _fail(str(exc), 1, exc)
    except LgRouterError as exc:
        _fail(_one_line(exc), 1, exc)
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 1
    except Exception as exc:  # a bug or an unexpected provider failure: still one line
        _fail(f"{type(exc).__name__}: {_one_line(exc)} (run with --debug for details)", 1, exc)
    return result if isinstance(result, int) else 0


def exit_with(code: int) -> NoReturn:
    """Exit with ``code``, without waiting for a model that a Ctrl-C abandoned.

    Such a model's call ends only at its attempt's deadline, and Python would wait for
    it before exiting; its answer is discarded anyway.
    """
    stream = sys.modules.get("lg_router.cli.stream")
    if stream is not None and stream.abandoned_turns():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _take_debug(args: list[str]) -> list[str]:
    """``args`` without ``--debug``, which is accepted anywhere before a ``--``."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" in args[:end]:
        _debug["on"] = True
        return [a for a in args[:end] if a != "--debug"] + args[end:]
    return args


def _one_line(exc: BaseException) -> str:
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


# Commands in their own modules register themselves on ``app`` when imported.
from lg_router.cli import eval as _eval  # noqa: E402, F401
from lg_router.cli import report as _report  # noqa: E402, F401
from lg_router.cli import serve as _serve  # noqa: E402, F401
