"""The sandbox a merchant's own templates run in: Jinja2's sandbox, hardened so that a template can
neither reach Python internals nor take the storefront down.

What it adds to Jinja2's sandbox, and why:
- every value a template builds is bounded before it is built (`*`, `**`, `%`, `+`, `~`, integer arguments of
  filters, the few filters whose answer can outgrow their input; of str, dict and list only methods that cannot),
  so no expression can allocate gigabytes in one step, and all a render builds together is bounded too;
- rendering stops at a deadline checked on every line the template's code runs (`sys.monitoring` line events of
  the code compiled here only), so nested `{% for %}` loops over `range` are cut off, and at an output cap;
- templates name each other only among the theme's own templates (`Allowed`), never a path of their own;
- a page's HTML runs no inline script (`inline_code`): the storefront's pages are cached at the edge under one
  Content-Security-Policy, and an override must keep to it like the theme does.

Template errors come back as `Refused(reason, line)`, the line of the merchant's source when there is one.
"""

import contextvars
import itertools
import re
import sys
import time
import types
from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import BaseLoader, TemplateNotFound, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from . import inline_code

MAX_TEXT = 1_000_000  # characters (or items) any one value a template builds may hold
MAX_BUILT = 20_000_000  # characters (or items) of every value one render builds, together
MAX_OUTPUT = 512_000  # characters of one rendered page
MAX_ARGUMENT = 10_000  # the largest whole number a filter or method takes (a width, a count)
MAX_BITS = 4_096  # the largest whole number an arithmetic operator may produce
# One page's render, checked on every line of template code, in this thread's CPU time: a busy machine slows a
# fair template's wall-clock time, never its CPU time.
RENDER_SECONDS = 1.0

# str methods a template may call: none of them builds more than its input, but replace and join, which are
# measured first (HardenedEnvironment.call).
_STR_METHODS = frozenset(
    "capitalize casefold count endswith find index isalnum isalpha isdigit islower isspace istitle isupper join "
    "lower lstrip partition removeprefix removesuffix replace rfind rindex rpartition rsplit rstrip split splitlines "
    "startswith strip swapcase title upper".split()
)
_STR_FORMATTERS = frozenset({"format", "format_map"})  # widths without bound: the `format` filter is checked
# dict and list methods: reading, and adding one item (what a theme does to build its JSON-LD); nothing that
# copies a container into itself.
_CONTAINER_METHODS = frozenset({"items", "keys", "values", "get", "count", "index", "append", "update"})
# Jinja2's filters minus those that read files, render other templates or grow without bound by design.
_FILTERS_LEFT_OUT = frozenset({"pprint", "xmlattr", "urlize"})
_GLOBALS_LEFT_OUT = frozenset({"lipsum"})
_GETTEXT = ("_", "gettext", "ngettext", "pgettext", "npgettext")
_BUILTINS = (types.BuiltinFunctionType, types.BuiltinMethodType, types.MethodWrapperType)
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


class Refused(Exception):
    """The template does not compile, breaks the sandbox's rules, or its page breaks the storefront's."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class TooSlow(Exception):
    """Raised into a template's frame when its render runs past the deadline."""


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple | dict) else len(str(value))


def _bounded_int(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARGUMENT:
        raise SecurityError(f"the number {value} is too large here (at most {MAX_ARGUMENT})")


def _printf_bounded(text: str) -> None:
    for spec in _PRINTF_SPEC.finditer(text):
        for part in spec.groups():
            if part == "*" or (part and int(part) > MAX_ARGUMENT):
                raise SecurityError("a format width or precision is too large")


def _fits(size: int) -> None:
    if size > MAX_TEXT:
        raise SecurityError(f"this would build a value of {size} characters (at most {MAX_TEXT})")


_built: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("built", default=None)


def _bounded_text(size: int) -> None:
    """A value of `size` is about to be built: it must fit, and so must everything the render built so far."""
    _fits(size)
    built = _built.get()
    if built is not None:
        built[0] += size
        if built[0] > MAX_BUILT:
            raise SecurityError(f"the page builds over {MAX_BUILT} characters of values")


def _replaced_size(value, old, new) -> int:
    times = str(value).count(str(old)) if old != "" else len(str(value)) + 1
    return _size(value) + times * _size(new)


def _joined_size(values: list, sep) -> int:
    return sum(_size(v) for v in values) + max(len(values) - 1, 0) * _size(sep)


def _replace(replace):
    def bounded(eval_ctx, value, old, new, count=None):
        _fits(_replaced_size(value, old, new))
        return replace(eval_ctx, value, old, new, count)

    return bounded


def _join(join):
    def bounded(eval_ctx, values, d="", attribute=None):
        values = list(values)
        sep = d
        _fits(_joined_size(values, sep))
        return join(eval_ctx, values, d, attribute)

    return bounded


def _indent(indent):
    def bounded(value, width=4, *args, **kwargs):
        _bounded_int(width)
        _fits(_size(value) + (str(value).count("\n") + 1) * (_size(width) if isinstance(width, str) else width))
        return indent(value, width, *args, **kwargs)

    return bounded


def _format(format_):
    def bounded(value, *args, **kwargs):
        _printf_bounded(str(value))
        return format_(value, *args, **kwargs)

    return bounded


_GROWING_FILTERS: dict[str, Callable] = {"replace": _replace, "join": _join, "indent": _indent, "format": _format}


def _filter(name: str, fn: Callable) -> Callable:
    """A filter whose whole-number arguments are bounded and whose answer fits in MAX_TEXT."""
    passes = getattr(fn, "jinja_pass_arg", None)  # pass_context and the like: the filter's value comes second
    inner = _GROWING_FILTERS.get(name, lambda f: f)(fn)

    def bounded(*args, **kwargs):
        for value in (*args[2 if passes else 1 :], *kwargs.values()):
            _bounded_int(value)
        out = inner(*args, **kwargs)
        if isinstance(out, str | list | tuple):
            _bounded_text(len(out))
        return out

    if passes is not None:
        bounded.jinja_pass_arg = passes  # type: ignore[attr-defined]
    return bounded


class _BoundedCodegen(CodeGenerator):
    """Compiles `a ~ b` so the parts are measured before they are joined (Jinja2 joins them in C)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"{func_name}(environment.measured((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


class Allowed(BaseLoader):
    """Only the theme's own templates, by their logical names (`base.html`): `templates` maps each to its
    source; the name each compiles under is `filename_of(name)`, so errors and tracebacks point at it."""

    def __init__(self, templates: dict[str, str], filename_of: Callable[[str], str]):
        self.templates = templates
        self.filename_of = filename_of

    def get_source(self, environment, template):
        if template not in self.templates:
            raise TemplateNotFound(template)
        return self.templates[template], self.filename_of(template), lambda: True

    def list_templates(self):
        return sorted(self.templates)


# The render deadline: Python's low-cost monitoring (PEP 669) reports each new line of the code templates compile
# to here, and only of that code; a line past the deadline of the render running in this thread raises TooSlow
# into the template. Other code, and templates rendered with no deadline, run as fast as ever.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)
_MONITOR = 4  # a sys.monitoring tool id: 0-2 and 5 are the debugger's, coverage's, profilers' and optimizers'


_lines = itertools.count()
_CHECK_EVERY = 64  # lines between two reads of the clock (a thread's CPU clock costs a system call)


def _on_line(_code, _line_number):
    if next(_lines) % _CHECK_EVERY:
        return
    deadline = _deadline.get()
    if deadline is not None and time.thread_time() > deadline:
        raise TooSlow


sys.monitoring.use_tool_id(_MONITOR, "template render deadline")
sys.monitoring.register_callback(_MONITOR, sys.monitoring.events.LINE, _on_line)


def _watch(code: types.CodeType) -> None:
    """Line events for a compiled template's code and every function in it (blocks, macros, loop bodies)."""
    sys.monitoring.set_local_events(_MONITOR, code, sys.monitoring.events.LINE)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _watch(const)


class _BoundedFilters(dict):
    """An environment's filters, each bounded as it is added (the storefront adds its own after creating it)."""

    def __setitem__(self, name: str, fn: Callable) -> None:
        super().__setitem__(name, _filter(name, fn))


class HardenedEnvironment(SandboxedEnvironment):
    code_generator_class = _BoundedCodegen
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options):
        super().__init__(**{**options, "autoescape": True})
        filters = _BoundedFilters()
        for name, fn in self.filters.items():
            if name not in _FILTERS_LEFT_OUT:
                filters[name] = fn
        self.filters = filters
        for name in _GLOBALS_LEFT_OUT:
            self.globals.pop(name, None)

    def _compile(self, source: str, filename: str) -> types.CodeType:
        code = super()._compile(source, filename)
        _watch(code)
        return code

    def measured(self, parts: tuple) -> tuple:
        _bounded_text(sum(_size(p) for p in parts))
        return parts

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        numbers = all(isinstance(v, int | float) for v in (left, right))
        if operator == "**":
            if not numbers:
                raise SecurityError("** takes numbers")
            if isinstance(right, int) and isinstance(left, int):
                if right > MAX_BITS or abs(left).bit_length() * max(right, 0) > MAX_BITS:
                    raise SecurityError(f"{left} ** {right} is too large")
        elif operator == "*":
            if isinstance(left, int) and isinstance(right, int):
                if abs(left).bit_length() + abs(right).bit_length() > MAX_BITS:
                    raise SecurityError("this product is too large")
            elif not numbers:
                count, seq = (left, right) if isinstance(left, int) else (right, left)
                if isinstance(count, int):
                    _bounded_text(_size(seq) * max(count, 0))
        elif operator == "%" and isinstance(left, str):
            _printf_bounded(left)
        elif operator == "+" and not numbers:
            _bounded_text(_size(left) + _size(right))
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if callable(value) and isinstance(obj, str):
            return attr in _STR_METHODS
        if callable(value) and isinstance(obj, dict | list | tuple):
            return attr in _CONTAINER_METHODS
        return True

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str) and attribute in _STR_FORMATTERS:  # Jinja2 hands these out unchecked
            return self.unsafe_undefined(obj, attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, str) and argument in _STR_FORMATTERS:
            return self.unsafe_undefined(obj, argument)
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja2's own signature)
        if __obj is not None and __obj in (__self.globals.get(n) for n in _GETTEXT):  # fills its msgid with `%`
            for arg in args:
                if isinstance(arg, str):
                    _printf_bounded(arg)
        if isinstance(__obj, _BUILTINS) and isinstance(getattr(__obj, "__self__", None), str) and args:
            if __obj.__name__ == "replace" and len(args) > 1:
                _fits(_replaced_size(__obj.__self__, args[0], args[1]))
            elif __obj.__name__ == "join":
                args = (list(args[0]), *args[1:])
                _fits(_joined_size(args[0], __obj.__self__))
        out = super().call(__context, __obj, *args, **kwargs)
        if isinstance(__obj, _BUILTINS) and isinstance(out, str | list | tuple):  # str.split and the like
            _bounded_text(len(out))
        return out


def static_check(environment: HardenedEnvironment, source: str, name: str) -> None:
    """Refuses, before anything runs, what can only fail: a syntax error, a name starting with `_` (Python's
    internals), a template named that is not one of the theme's own, and inline script in the markup."""
    try:
        tree = environment.parse(source, name)
    except TemplateSyntaxError as e:
        raise Refused(e.message or "syntax error", e.lineno) from None
    except RecursionError:
        raise Refused("expressions nest too deeply") from None
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        attr = getattr(node, "attr", None) or getattr(node, "name", None)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attr = node.arg.value
        if isinstance(attr, str) and attr.startswith("_") and attr != "_":
            raise Refused(f"'{attr}' is not reachable from a template", node.lineno)
    known = environment.loader.list_templates() if environment.loader else []
    for named in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
        for other in _named_templates(named.template):  # type: ignore[attr-defined]  # each of these has one
            if other not in known:
                raise Refused(f"'{other}' is not a template of this theme", named.lineno)
    for line_no, line in enumerate(source.splitlines(), start=1):
        reason = inline_code.found_in(line, partial=True)
        if reason:
            raise Refused(reason, line_no)


def _named_templates(node: nodes.Node) -> list[str]:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, nodes.List | nodes.Tuple):
        return [n.value for n in node.items if isinstance(n, nodes.Const) and isinstance(n.value, str)]
    return []  # a name computed at render time: the loader still only knows the theme's templates


def render(template, context: dict, filenames: Iterable[str] = ()) -> str:
    """The template rendered under the deadline and the output cap; `Refused` naming the line of one of
    `filenames` (the merchant's templates) where it went wrong, if it went wrong in one of them."""
    filenames = set(filenames)
    chunks, size = [], 0
    deadline = time.thread_time() + RENDER_SECONDS
    budget, timer = _built.set([0]), _deadline.set(deadline)
    try:
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise Refused(f"the page is over {MAX_OUTPUT // 1000} KB")
            if time.thread_time() > deadline:
                raise TooSlow
            chunks.append(chunk)
    except Refused:
        raise
    except TooSlow as e:
        raise Refused(f"the page took over {RENDER_SECONDS} s to render", _line(e, filenames)) from None
    except TemplateSyntaxError as e:
        raise Refused(e.message or "syntax error", e.lineno) from None
    except RecursionError as e:
        raise Refused("templates call each other too deeply", _line(e, filenames)) from None
    except Exception as e:  # a template's runtime error is the merchant's to fix: say what it was, where
        raise Refused(_reason(e), _line(e, filenames)) from None
    finally:
        _built.reset(budget)
        _deadline.reset(timer)
    html = "".join(chunks)
    reason = inline_code.found_in(html)
    if reason:
        raise Refused(reason)
    return html


def _reason(error: Exception) -> str:
    if isinstance(error, SecurityError):
        return f"not allowed: {error}"
    if isinstance(error, TemplateNotFound):
        return f"'{error.name}' is not a template of this theme"
    if isinstance(error, OverflowError):
        return f"too large: {error}"
    return f"{type(error).__name__}: {error}"


def _line(error: BaseException, filenames: set[str]) -> int | None:
    """The line in the merchant's template where `error` was raised: Jinja2 rewrites tracebacks to point at
    template lines, under the template's file name."""
    line, tb = None, error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in filenames:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
