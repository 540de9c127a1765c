"""Personalize filter expressions: parsing, and evaluation to a mask over a model's items.

Grammar (case-insensitive keywords), several expressions may be joined by " | ":
    (INCLUDE|EXCLUDE) (ItemID|ActionID) WHERE <condition> [IF CurrentUser.<FIELD> <op> <value>]
    condition  := conjunct (OR conjunct)*
    conjunct   := atom (AND atom)*
    atom       := "(" condition ")" | <Dataset>.<FIELD> <op> <values>
    Dataset    := Items | Interactions | Users | CurrentUser   (Interactions only has EVENT_TYPE;
                  Actions / Action_Interactions are accepted as their next-best-action twins)
    op         := IN | NOT IN | = | != | < | <= | > | >=
    values     := "(" value ("," value)* ")" for IN / NOT IN, else one value
    value      := "quoted string" | number | $PLACEHOLDER

Semantics: an Items condition is true for items whose metadata matches (categorical
values split on "|" match if any part matches; items without metadata never match);
Interactions.EVENT_TYPE IN (...) is true for items the user interacted with using one
of those event types ("*" = any); Users/CurrentUser conditions are true or false for all
items at once. INCLUDE keeps the matching items, EXCLUDE drops them; an expression whose
IF clause is false does nothing. Joined expressions must all let an item through.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import FilterInvalid

_TOKEN = re.compile(
    r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<placeholder>\$[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><=|>=|!=|=|<|>)
    | (?P<punct>[(),|])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    )""",
    re.VERBOSE,
)

DATASETS = {"ITEMS", "INTERACTIONS", "USERS", "CURRENTUSER", "ACTIONS", "ACTION_INTERACTIONS"}
ALIASES = {"CURRENTUSER": "USERS", "ACTIONS": "ITEMS", "ACTION_INTERACTIONS": "INTERACTIONS"}
COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}


@dataclass(frozen=True)
class Condition:
    dataset: str  # ITEMS / INTERACTIONS / USERS (CurrentUser is USERS)
    field: str
    op: str  # IN, NOT IN or a comparison
    values: tuple  # ("lit", value) or ("var", NAME)


@dataclass(frozen=True)
class Expression:
    include: bool
    where: object  # Condition or ("AND"|"OR", [children])
    only_if: object = None  # condition on the current user, or None


@dataclass
class CompiledFilter:
    expression: str
    parts: list[Expression] = field(default_factory=list)

    @property
    def placeholders(self) -> set[str]:
        names = set()

        def walk(node):
            if isinstance(node, Condition):
                names.update(v for kind, v in node.values if kind == "var")
            elif node is not None:
                for child in node[1]:
                    walk(child)

        for part in self.parts:
            walk(part.where)
            walk(part.only_if)
        return names


def compile_filter(expression: str) -> CompiledFilter:
    if not isinstance(expression, str) or not expression.strip():
        raise FilterInvalid("Filter expression is empty")
    parser = _Parser(_tokenize(expression))
    parts = [parser.expression()]
    while parser.accept("punct", "|"):
        parts.append(parser.expression())
    if parser.peek() is not None:
        raise FilterInvalid(f"Unexpected '{parser.peek()[1]}' in filter expression")
    return CompiledFilter(expression, parts)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FilterInvalid(f"Invalid filter expression near '{text[pos : pos + 20].strip()}'")
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.pos = tokens, 0

    def peek(self, offset=0):
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else None

    def accept(self, kind, text=None):
        token = self.peek()
        if token and token[0] == kind and (text is None or token[1].upper() == text.upper()):
            self.pos += 1
            return token
        return None

    def expect(self, kind, text=None, what=None):
        token = self.accept(kind, text)
        if token is None:
            found = self.peek()[1] if self.peek() else "end of expression"
            raise FilterInvalid(f"Expected {what or text or kind} but found '{found}'")
        return token

    def expression(self) -> Expression:
        action = self.expect("word", what="INCLUDE or EXCLUDE")[1].upper()
        if action not in ("INCLUDE", "EXCLUDE"):
            raise FilterInvalid(f"A filter expression starts with INCLUDE or EXCLUDE, not '{action}'")
        target = self.expect("word", what="ItemID")[1].upper()
        if target not in ("ITEMID", "ACTIONID"):
            raise FilterInvalid(f"Expected ItemID after {action} but found '{target}'")
        self.expect("word", "WHERE")
        where = self.condition()
        only_if = None
        if self.accept("word", "IF"):
            only_if = self.condition()
            if not _only_user_conditions(only_if):
                raise FilterInvalid("An IF clause may only test CurrentUser fields")
        return Expression(action == "INCLUDE", where, only_if)

    def condition(self):
        children = [self.conjunct()]
        while self.accept("word", "OR"):
            children.append(self.conjunct())
        return children[0] if len(children) == 1 else ("OR", children)

    def conjunct(self):
        children = [self.atom()]
        while self.accept("word", "AND"):
            children.append(self.atom())
        return children[0] if len(children) == 1 else ("AND", children)

    def atom(self):
        if self.accept("punct", "("):
            inner = self.condition()
            self.expect("punct", ")")
            return inner
        name = self.expect("word", what="a field such as Items.GENRE")[1]
        dataset, _, field_name = name.partition(".")
        dataset = dataset.upper()
        if not field_name or dataset not in DATASETS:
            raise FilterInvalid(
                f"Unknown field '{name}'; use Items.<FIELD>, Interactions.EVENT_TYPE, "
                f"Users.<FIELD> or CurrentUser.<FIELD>"
            )
        dataset = ALIASES.get(dataset, dataset)
        field_name = field_name.upper()
        op = self._operator()
        if dataset == "INTERACTIONS" and (field_name != "EVENT_TYPE" or op not in ("IN", "NOT IN")):
            raise FilterInvalid("Interactions conditions must be Interactions.EVENT_TYPE IN (...)")
        if op in ("IN", "NOT IN"):
            self.expect("punct", "(")
            values = [self.value()]
            while self.accept("punct", ","):
                values.append(self.value())
            self.expect("punct", ")")
        else:
            values = [self.value()]
        return Condition(dataset, field_name, op, tuple(values))

    def _operator(self) -> str:
        token = self.accept("op")
        if token:
            return token[1]
        if self.accept("word", "IN"):
            return "IN"
        if self.accept("word", "NOT"):
            self.expect("word", "IN")
            return "NOT IN"
        found = self.peek()[1] if self.peek() else "end of expression"
        raise FilterInvalid(f"Expected an operator (IN, NOT IN, =, <, <=, >, >=) but found '{found}'")

    def value(self):
        token = self.peek()
        if token is None:
            raise FilterInvalid("Expected a value but the expression ended")
        kind, text = token
        self.pos += 1
        if kind == "string":
            return ("lit", _unquote(text))
        if kind == "number":
            return ("lit", float(text))
        if kind == "placeholder":
            return ("var", text[1:])
        raise FilterInvalid(f"Expected a quoted value, a number or a $PLACEHOLDER but found '{text}'")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def _only_user_conditions(node) -> bool:
    if isinstance(node, Condition):
        return node.dataset == "USERS"
    return all(_only_user_conditions(child) for child in node[1])


def parse_placeholder_values(text: str) -> list:
    """'"Comedy","Drama"' or '10' -> ["Comedy", "Drama"] / [10.0]."""
    values: list[str | float] = []
    for kind, token in _tokenize(str(text)):
        if kind == "string":
            values.append(_unquote(token))
        elif kind == "number":
            values.append(float(token))
        elif kind == "punct" and token == ",":
            continue
        else:
            values.append(token)  # bare words are taken literally
    return values


# ---------------------------------------------------------------- evaluation


class FilterEvaluator:
    """Evaluates one compiled filter for many users against fixed item/user metadata.

    item_ids: the model's items; items/users/interactions: Tables or None."""

    def __init__(
        self,
        compiled: CompiledFilter,
        filter_values: dict | None,
        item_ids: list[str],
        items=None,
        users=None,
        interactions=None,
        item_index: dict | None = None,
        resolve: bool = True,
        id_column: str = "ITEM_ID",
    ):
        self.compiled = compiled
        self.id_column = id_column
        self.item_ids = item_ids
        self._item_index = item_index
        self.items, self.users, self.interactions = items, users, interactions
        self.values = self._resolve(compiled, filter_values or {}) if resolve else {}
        # Item-side results do not depend on the user; copies made by with_values share them.
        self._cache: dict = {}

    def with_values(self, filter_values: dict | None) -> FilterEvaluator:
        """The same filter with other placeholder values (batch lines carry their own)."""
        other = copy.copy(self)
        other.values = self._resolve(self.compiled, filter_values or {})
        return other

    @staticmethod
    def _resolve(compiled: CompiledFilter, given: dict) -> dict:
        provided = {str(k).lstrip("$").upper(): v for k, v in given.items()}
        resolved = {}
        for name in sorted(compiled.placeholders):
            if name.upper() not in provided:
                raise ValueError(f"The filter expression needs a value for the placeholder ${name}")
            resolved[name] = parse_placeholder_values(provided[name.upper()])
        return resolved

    def allowed(self, user_id: str | None) -> np.ndarray:
        keep = np.ones(len(self.item_ids), dtype=bool)
        for part in self.compiled.parts:
            if part.only_if is not None and not bool(np.all(self._eval(part.only_if, user_id))):
                continue
            matches = np.broadcast_to(self._eval(part.where, user_id), keep.shape)
            keep &= matches if part.include else ~matches
        return keep

    def _eval(self, node, user_id):
        if isinstance(node, Condition):
            return self._condition(node, user_id)
        results = [self._eval(child, user_id) for child in node[1]]
        combine = np.logical_and if node[0] == "AND" else np.logical_or
        out = results[0]
        for r in results[1:]:
            out = combine(out, r)
        return out

    def _literals(self, cond: Condition) -> list:
        out: list = []
        for kind, value in cond.values:
            out.extend(self.values[value] if kind == "var" else [value])
        return out

    def _condition(self, cond: Condition, user_id):
        values = self._literals(cond)
        if cond.dataset == "INTERACTIONS":
            return self._interacted(user_id, values, negate=cond.op == "NOT IN")
        if cond.dataset == "USERS":
            return self._user_condition(cond, values, user_id)
        key = (cond, tuple(values))
        if key not in self._cache:
            self._cache[key] = self._item_condition(cond, values)
        return self._cache[key]

    def _item_condition(self, cond: Condition, values) -> np.ndarray:
        if cond.field in ("ITEM_ID", "ACTION_ID", "ID"):
            ids = np.array(self.item_ids, dtype=object)
            return _compare_strings(ids, cond.op, values, categorical=False)
        column, spec = _column(self.items, cond.field)
        if column is None:
            return np.zeros(len(self.item_ids), dtype=bool)
        rows = self._rows_of_items()
        present = rows >= 0
        result = np.zeros(len(self.item_ids), dtype=bool)
        if column.is_string:
            per_value = _compare_strings(
                np.array(column.vocab, dtype=object), cond.op, values, categorical=spec.get("categorical", False)
            )
            codes = column.values[rows[present]]
            lookup = np.r_[per_value, False]  # code -1 (null) never matches
            result[present] = lookup[codes]
        else:
            result[present] = _compare_numbers(column.values[rows[present]], cond.op, values, cond.field)
        return result

    def _rows_of_items(self) -> np.ndarray:
        if "item_rows" not in self._cache:
            rows = np.full(len(self.item_ids), -1, dtype=np.int64)
            id_col = self.items.get(self.id_column) if self.items is not None else None
            if id_col is not None:
                row_of_code = np.full(len(id_col.vocab) + 1, -1, dtype=np.int64)
                row_of_code[id_col.values] = np.arange(len(id_col.values))
                row_of_code[-1] = -1
                codes = np.array([_code(id_col, i) for i in self.item_ids], dtype=np.int64)
                rows = row_of_code[codes]
            self._cache["item_rows"] = rows
        return self._cache["item_rows"]

    def _interacted(self, user_id, event_types, negate: bool) -> np.ndarray:
        """Items the user interacted with using (NOT IN: other than) the given event types."""
        mask = np.zeros(len(self.item_ids), dtype=bool)
        table = self.interactions
        if table is None or user_id is None or table.get("USER_ID") is None:
            return mask
        code = table.get("USER_ID").code_of(user_id)
        if code is None:
            return mask
        rows = table.get("USER_ID").rows_with(code)
        et = table.get("EVENT_TYPE")
        if "*" in event_types:
            rows = rows[:0] if negate else rows
        elif et is not None:
            wanted = [c for c in (et.code_of(_as_text(v)) for v in event_types) if c is not None]
            rows = rows[np.isin(et.values[rows], wanted) != negate]
        item_col = table.get(self.id_column)
        if self._item_index is None:
            self._item_index = {item: i for i, item in enumerate(self.item_ids)}
        index = self._item_index
        for item_code in np.unique(item_col.values[rows]):
            i = index.get(item_col.vocab[item_code]) if item_code >= 0 else None
            if i is not None:
                mask[i] = True
        return mask

    def _user_condition(self, cond: Condition, values, user_id) -> bool:
        column, spec = _column(self.users, cond.field)
        id_col = self.users.get("USER_ID") if self.users is not None else None
        if column is None or id_col is None or user_id is None:
            return False
        code = id_col.code_of(user_id)
        rows = id_col.rows_with(code) if code is not None else []
        if not len(rows):
            return False
        row = rows[-1]
        if column.is_string:
            code = column.values[row]
            if code < 0:
                return False
            value = np.array([column.vocab[code]], dtype=object)
            return bool(_compare_strings(value, cond.op, values, spec.get("categorical", False))[0])
        return bool(_compare_numbers(column.values[row : row + 1], cond.op, values, cond.field)[0])


def _column(table, name):
    if table is None:
        return None, {}
    column = table.get(name)
    if column is None:  # field names are matched case-insensitively
        for key in table.columns:
            if key.upper() == name:
                column, name = table.columns[key], key
                break
    spec = next((f for f in table.schema.get("fields", []) if f.get("name") == name), {})
    return column, spec


def _code(column, value) -> int:
    code = column.code_of(value)
    return -1 if code is None else code


def _compare_strings(strings: np.ndarray, op: str, values: list, categorical: bool) -> np.ndarray:
    wanted = [_as_text(v) for v in values]
    wanted_set = set(wanted)

    def test(text: str) -> bool:
        parts = text.split("|") if categorical else [text]
        if op == "IN":
            return any(p in wanted_set for p in parts)
        if op == "NOT IN":
            return not any(p in wanted_set for p in parts)
        target = wanted[0]
        return any(_ordered(p, op, target) for p in parts)

    return np.fromiter((test(s) for s in strings), dtype=bool, count=len(strings))


def _compare_numbers(numbers: np.ndarray, op: str, values: list, field_name: str) -> np.ndarray:
    try:
        wanted = np.array([float(v) for v in values])
    except ValueError:
        raise ValueError(f"Filter compares numeric field {field_name} with a non-numeric value") from None
    present = ~np.isnan(numbers)
    if op == "IN":
        return present & np.isin(numbers, wanted)
    if op == "NOT IN":
        return present & ~np.isin(numbers, wanted)
    return present & _ordered(numbers, op, wanted[0])


def _ordered(a, op, b):
    if op in ("=", "=="):
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
