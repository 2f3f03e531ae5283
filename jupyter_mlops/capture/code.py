"""Code analysis of a cell: the global names it defines, uses and mutates, and its literals.

The analysis is static and deliberately simple, which is what makes it cheap enough to run on
every cell. Names are global (module-level) names: names local to a function, lambda or
comprehension are not reported, but the globals a function body reads are uses of the cell
that defines the function (it depends on them when called). A name counts as *mutated*
(and so as defined, and used unless the cell bound it first) when the cell assigns to one of
its attributes or items
(``df["a"] = …``, ``model.coef_ = …``), deletes it, augments it (``x += 1``), or calls an
in-place method on it: a method of the fit family (``model.fit(...)``), a container mutator
(``rows.append(...)``) or any call with ``inplace=True`` (``df.dropna(inplace=True)``).

Code that cannot be analysed makes the cell *opaque*: ``exec``/``eval``, star imports,
``%run``, ``globals()[...]`` — such a cell may define any name.

"Used" means read before the cell binds it (in statement order, ignoring branches): the
cell depends on an earlier cell for it. ``x = x + 1`` uses ``x``; ``x = 1; print(x)`` does not.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MUTATING_METHODS = frozenset({
    "fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample", "set_params",
    "train", "compile", "load_state_dict", "append", "extend", "insert", "pop", "popitem",
    "remove", "clear", "sort", "reverse", "update", "add", "discard", "setdefault",
    "__setitem__", "__delitem__",
})
PREDICTING_METHODS = frozenset({"predict", "predict_proba", "predict_log_proba",
                                "decision_function", "score_samples"})
_OPAQUE_CALLS = frozenset({"exec", "eval", "execfile", "globals", "vars", "__import__"})
_OPAQUE_MAGICS = frozenset({"run", "load", "store", "macro", "recall", "rerun", "load_ext"})
_MAX_LITERAL_TEXT = 250
_BUILTINS = frozenset(dir(builtins))
_METHODS: dict[tuple[type, type], Any] = {}  # (visitor class, node type) -> its visit method


@dataclass(frozen=True)
class CodeInfo:
    """What a cell does to the global namespace (``mutated`` is a subset of both others)."""

    defined: frozenset[str] = frozenset()
    used: frozenset[str] = frozenset()
    mutated: frozenset[str] = frozenset()
    literals: dict[str, Any] = field(default_factory=dict)
    opaque: str | None = None  # why the cell cannot be fully analysed
    parsed: bool = True
    # the defined names in the order the cell last bound or mutated them ("fitted last")
    order: tuple[str, ...] = ()
    loop_variables: frozenset[str] = frozenset()  # bound only as ``for`` targets
    # what predictions were made from: ``y_pred = m.predict(X_test)`` gives
    # {"y_pred": "X_test"}; every predict call also by its line, {3: "X_test"}
    predicted_from: dict[str | int, str] = field(default_factory=dict)


def analyse(source: str) -> CodeInfo:
    """Analyse Python ``source`` (IPython syntax already transformed); never raises.

    Source that does not parse defines and uses nothing (``parsed`` is False): a cell with a
    syntax error does not run.
    """
    return _analyse(source)


@lru_cache(maxsize=1024)
def _analyse(source: str) -> CodeInfo:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return CodeInfo(parsed=False)
    scope = _Scope()
    scope.visit_body(tree.body)
    used = frozenset((scope.used | (scope.deferred - scope.defined)) - _BUILTINS)
    return CodeInfo(defined=frozenset(scope.defined), used=used,
                    mutated=frozenset(scope.mutated), literals=scope.literals,
                    opaque=scope.opaque, order=tuple(scope.order),
                    loop_variables=frozenset(scope.loop_bound - scope.other_bound),
                    predicted_from=scope.predicted_from)


def _base_name(node: ast.AST) -> str | None:
    """``a`` for ``a``, ``a.b.c``, ``a[0].b``, ``a.b()``'s callee base."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _predicted_from(node: ast.AST) -> str | None:
    """``X_test`` for ``….predict(X_test)`` (and predict_proba, decision_function…)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in PREDICTING_METHODS and node.args):
        return _base_name(node.args[0])
    return None


def _literal(node: ast.AST) -> Any:
    """The value of a number, string or bool literal (``-1`` included); else ``...``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _literal(node.operand)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
        return ...
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        if isinstance(node.value, str) and len(node.value) > _MAX_LITERAL_TEXT:
            return ...
        return node.value
    return ...


class _Scope(ast.NodeVisitor):
    """Collects the module scope; nested function scopes are analysed by ``_Function``."""

    def __init__(self) -> None:
        self.defined: set[str] = set()
        self.used: set[str] = set()
        self.mutated: set[str] = set()
        self.literals: dict[str, Any] = {}
        self.opaque: str | None = None
        self.order: dict[str, None] = {}
        self.loop_bound: set[str] = set()
        self.other_bound: set[str] = set()
        self.predicted_from: dict[str | int, str] = {}
        self._loop_target = False
        self.deferred: set[str] = set()  # free names of nested functions

    # --- helpers
    def visit(self, node: ast.AST) -> None:
        """``NodeVisitor.visit`` with the method looked up once per node type, not built
        from the type's name for every node (the analysis runs on every new cell)."""
        key = (type(self), type(node))
        method = _METHODS.get(key)
        if method is None:
            method = _METHODS[key] = getattr(type(self), f"visit_{type(node).__name__}",
                                             type(self).generic_visit)
        method(self, node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Constant(self, node: ast.Constant) -> None:
        pass  # no names (and none of NodeVisitor's checks for pre-3.8 visit_Num methods)

    def visit_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.visit(stmt)

    def define(self, name: str) -> None:
        self.defined.add(name)
        self.order.pop(name, None)
        self.order[name] = None
        (self.loop_bound if self._loop_target else self.other_bound).add(name)

    def use(self, name: str) -> None:
        """A read of a name this cell has not (yet) bound: a dependency on earlier cells."""
        if name not in self.defined:
            self.used.add(name)

    def mutate(self, node: ast.AST) -> None:
        name = _base_name(node)
        if name is not None:
            self.use(name)
            self.mutated.add(name)
            self.define(name)

    def bind_target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.define(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.bind_target(element)
        elif isinstance(target, ast.Starred):
            self.bind_target(target.value)
        else:  # attribute or subscript: the container changes
            self.mutate(target)
            self.visit(target)

    def set_opaque(self, why: str) -> None:
        self.opaque = self.opaque or why

    # --- statements
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.bind_target(target)
        source = _predicted_from(node.value)
        if source is not None:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.predicted_from[target.id] = source
        value = _literal(node.value)
        if value is not ...:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.literals[target.id] = value

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self.bind_target(node.target)
            value = _literal(node.value)
            if value is not ... and isinstance(node.target, ast.Name):
                self.literals[node.target.id] = value

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self.mutate(node.target)
        if not isinstance(node.target, ast.Name):
            self.visit(node.target)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.mutate(target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self._loop_target = True
        try:
            self.bind_target(node.target)
        finally:
            self._loop_target = False
        self.visit_body(node.body)
        self.visit_body(node.orelse)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.bind_target(item.optional_vars)
        self.visit_body(node.body)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.define(node.name)
        self.visit_body(node.body)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.define(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.set_opaque(f"from {node.module} import *")
            else:
                self.define(alias.asname or alias.name)

    def visit_Global(self, node: ast.Global) -> None:
        pass  # at module level it changes nothing

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_arguments(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        self._function(node.args, node.body)
        self.define(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_arguments(node.args)
        self._function(node.args, [ast.Return(node.body)])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self._function(None, node.body)
        self.define(node.name)

    def _visit_arguments(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)

    def _function(self, args: ast.arguments | None, body: list[ast.stmt]) -> None:
        """A function, lambda or class body reads its free names when called: names this
        cell binds anywhere are the cell's own, the rest are uses (see ``_analyse``)."""
        inner = _Function(args)
        inner.visit_body(body)
        self.deferred |= inner.free()
        self.defined |= inner.declared_global & inner.defined
        if inner.opaque:
            self.set_opaque(inner.opaque)

    def _comprehension(self, node: Any, elements: list[ast.AST]) -> None:
        inner = _Function(None)
        for generator in node.generators:
            inner.visit(generator.iter)
            inner.bind_target(generator.target)
            for condition in generator.ifs:
                inner.visit(condition)
        for element in elements:
            inner.visit(element)
        for name in inner.free():  # evaluated here and now
            self.use(name)
        self.deferred |= inner.deferred
        if inner.opaque:
            self.set_opaque(inner.opaque)

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    # --- expressions
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.use(node.id)
        elif isinstance(node.ctx, ast.Store):
            self.define(node.id)
        else:
            self.mutate(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.define(node.target.id)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in _OPAQUE_CALLS:
            self.set_opaque(f"{func.id}()")
        if isinstance(func, ast.Attribute):
            self._magic_call(node, func)
            in_place = any(k.arg == "inplace" and isinstance(k.value, ast.Constant)
                           and k.value.value is True for k in node.keywords)
            if func.attr in MUTATING_METHODS or in_place:
                self.mutate(func.value)
            source = _predicted_from(node)
            if source is not None:
                self.predicted_from[node.lineno] = source
        self.generic_visit(node)

    def _magic_call(self, node: ast.Call, func: ast.Attribute) -> None:
        """``get_ipython().run_line_magic('run', …)`` is how IPython spells ``%run``."""
        if (func.attr == "run_line_magic" and isinstance(func.value, ast.Call)
                and isinstance(func.value.func, ast.Name)
                and func.value.func.id == "get_ipython" and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in _OPAQUE_MAGICS):
            self.set_opaque(f"%{node.args[0].value}")


class _Function(_Scope):
    """A nested scope: its parameters and assigned names are local, the rest are free."""

    def __init__(self, args: ast.arguments | None) -> None:
        super().__init__()
        self.declared_global: set[str] = set()
        if args is not None:
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs,
                        *filter(None, [args.vararg, args.kwarg])]:
                self.defined.add(arg.arg)

    def visit_Global(self, node: ast.Global) -> None:
        self.declared_global.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.defined.update(node.names)

    def mutate(self, node: ast.AST) -> None:
        # Mutating a global from inside a function happens at call time: a use here.
        name = _base_name(node)
        if name is not None:
            self.use(name)

    def free(self) -> set[str]:
        local = self.defined - self.declared_global
        used = self.used | self.deferred
        return (used - local - _BUILTINS) | (used & self.declared_global)
