"""`AtlasEnvironment`: Jinja's environment, made cheaper for the way our templates use it.

Rendering templates is close to half of a cold model page's instructions,
most of it Jinja's work around each value written and each call made, not
our templates' own. Three parts of it do more than our templates need:

- Jinja gives each template a `ChainMap` of its globals over the
  environment's, so that a later change to the environment's shows in
  templates already loaded. Every render, include and imported macro module
  then copies that chain, key by key in Python, into a new context: some two
  dozen contexts on a model page, a twentieth of rendering it cold. Our
  globals are all set in `make_templates`, before any template loads, so a
  flat copy made at load time holds the same names and values.

- Every `{{ value }}` is compiled to `escape(value)`, which wraps the escaped
  text in a new `Markup`. What a template writes out is only ever joined into
  one string ("".join returns a plain `str` whatever it joins), and where a
  block or macro's output must stay safe Jinja wraps the joined string in
  `Markup` itself. So `EscapingCodeGenerator` compiles it to `escape_output`:
  the same characters, escaped by the same function MarkupSafe uses, without
  the wrapper.
- Every call in a template goes through `Context.call`, which looks up
  whether the callable wants the context, environment or evaluation context
  passed first. For a plain function the lookup misses up to three times, and
  each miss raises and catches an AttributeError inside `hasattr`.
  `DirectCallContext` calls macros, builtins and plain functions and
  methods directly and leaves everything else to Jinja.
"""

from collections.abc import MutableMapping
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context, Macro

# The escaping function behind `markupsafe.escape`, compiled or pure Python as installed;
# not exported, so tests/unit/render/test_template_runtime.py holds it to `escape`'s output.
from markupsafe import _escape_inner  # type: ignore[attr-defined]

_JINJA_ONLY_KEYWORDS = ("_loop_vars", "_block_vars")


def escape_output(value: Any) -> str:
    """`markupsafe.escape(value)` as a plain string: what an output tag writes."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape_inner(str(value))


class EscapingCodeGenerator(CodeGenerator):
    """Jinja's code generator, with autoescaped output written by `escape_output`."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:  # noqa: N802 - Jinja's name
        self.writeline(f"from {__name__} import escape_output")
        super().visit_Template(node, frame)

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("escape_output(")
        if finalize.src is not None:
            self.write(finalize.src)


def _takes_only_its_arguments(callable_: Any) -> bool:
    """Whether Jinja would call this as it is: a macro, a builtin, or a function or
    method not marked to be passed the context, environment or evaluation context."""
    kind = type(callable_)
    if kind is Macro or kind is BuiltinFunctionType:
        return True
    if kind is MethodType:
        callable_ = callable_.__func__
        kind = type(callable_)
    return kind is FunctionType and "jinja_pass_arg" not in callable_.__dict__


class DirectCallContext(Context):
    """A template context that calls what takes only its arguments without Jinja's lookups."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's names
        if _takes_only_its_arguments(__obj):
            for keyword in _JINJA_ONLY_KEYWORDS:
                kwargs.pop(keyword, None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception"
                )
        return super().call(__obj, *args, **kwargs)


class AtlasEnvironment(Environment):
    """A Jinja environment with flat template globals, cheaper output and cheaper calls."""

    code_generator_class = EscapingCodeGenerator
    context_class = DirectCallContext

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}
