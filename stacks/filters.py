"""Filter expressions checked at preview by the product's own parser, so a
typo is an error naming the filter instead of a filter deleted by its failed
replacement (#13, finding 1).

The grammar is the one Amazon Personalize documents for filter expressions
(https://docs.aws.amazon.com/personalize/latest/dg/filter-expressions.html):

    expression := part ("|" part)*
    part       := ("INCLUDE" | "EXCLUDE") ("ItemID" | "UserID") "WHERE" condition
    condition  := term (("AND" | "OR") term)*
    term       := "(" condition ")"
                | reference ["NOT"] "IN" "(" value ("," value)* ")"
                | reference ("=" | "<" | ">" | "<=" | ">=" | "!=") value
    reference  := Dataset "." FIELD        (Items, Users, Interactions, CurrentItem)
    value      := "quoted string" | number | $PARAMETER | CurrentItem.FIELD

It also checks that every reference names a dataset the group has and a
field of its schema. Independent of personalize-local's parser on purpose:
the emulator checks the product, not the other way round."""

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)|(?P<param>\$[A-Za-z0-9_]+)'
    r"|(?P<op><=|>=|!=|=|<|>)|(?P<punct>[(),|])|(?P<ref>[A-Za-z]+\.[A-Za-z_][A-Za-z0-9_]*)|(?P<word>[A-Za-z]+))"
)
COMPARISONS = ("=", "<", ">", "<=", ">=", "!=")
# Item references may also name the item a similar-items request is for.
DATASET_OF_REFERENCE = {"Items": "Items", "Users": "Users", "Interactions": "Interactions", "CurrentItem": "Items"}


class FilterSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def _tokens(expression: str) -> list[_Token]:
    found, at = [], 0
    while at < len(expression.rstrip()):
        match = _TOKEN.match(expression, at)
        if not match or match.end() == at:
            raise FilterSyntaxError(f"cannot read {expression[at:].strip()[:20]!r}")
        kind = match.lastgroup or ""
        found.append(_Token(kind, match.group(kind)))
        at = match.end()
    return found


class _Parser:
    def __init__(self, expression: str):
        self.tokens, self.at = _tokens(expression), 0
        self.references: list[str] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, *texts: str, kind: str | None = None) -> _Token:
        token = self.peek()
        wanted = " or ".join(texts) if texts else kind
        if token is None:
            raise FilterSyntaxError(f"ends where {wanted} should come")
        if (texts and token.text.upper() not in texts) or (kind and token.kind != kind):
            raise FilterSyntaxError(f"has {token.text!r} where {wanted} should come")
        self.at += 1
        return token

    def expression(self) -> None:
        self.part()
        while self.peek() and self.peek().text == "|":  # type: ignore[union-attr]
            self.take("|")
            self.part()
        if self.peek():
            raise FilterSyntaxError(f"has {self.peek().text!r} after a complete expression")  # type: ignore[union-attr]

    def part(self) -> None:
        self.take("INCLUDE", "EXCLUDE")
        token = self.take(kind="word")
        if token.text not in ("ItemID", "UserID"):
            raise FilterSyntaxError(f"filters {token.text!r}; allowed ItemID or UserID")
        self.take("WHERE")
        self.condition()

    def condition(self) -> None:
        self.term()
        while self.peek() and self.peek().text.upper() in ("AND", "OR"):  # type: ignore[union-attr]
            self.at += 1
            self.term()

    def term(self) -> None:
        if self.peek() and self.peek().text == "(":  # type: ignore[union-attr]
            self.take("(")
            self.condition()
            self.take(")")
            return
        self.references.append(self.take(kind="ref").text)
        token = self.peek()
        if token and token.kind == "op":
            self.at += 1
            self.value()
            return
        if token and token.text.upper() == "NOT":
            self.at += 1
        self.take("IN")
        self.take("(")
        self.value()
        while self.peek() and self.peek().text == ",":  # type: ignore[union-attr]
            self.take(",")
            self.value()
        self.take(")")

    def value(self) -> None:
        token = self.peek()
        if token is not None and token.kind == "ref" and token.text.startswith("CurrentItem."):
            self.references.append(token.text)  # the item a similar-items request is for
            self.at += 1
            return
        if token is None or token.kind not in ("string", "number", "param"):
            raise FilterSyntaxError(
                f"has {token.text if token else 'nothing'!r} where a value (a quoted string, a number or a "
                "$PARAMETER) should come"
            )
        self.at += 1


def problem(expression: str, fields_by_dataset: dict[str, tuple[str, ...]]) -> str | None:
    """What is wrong with `expression` for a group with these datasets and fields, or None."""
    parser = _Parser(expression)
    try:
        parser.expression()
    except FilterSyntaxError as error:
        return f"a filter expression as Amazon Personalize documents it; this one {error}"
    for reference in parser.references:
        prefix, _, field = reference.partition(".")
        dataset = DATASET_OF_REFERENCE.get(prefix)
        if dataset is None or dataset not in fields_by_dataset:
            have = ", ".join(fields_by_dataset)
            return f"a filter on the datasets this group has ({have}); {reference} refers to {prefix}"
        if field not in fields_by_dataset[dataset]:
            return f"a field of the {dataset} dataset ({', '.join(fields_by_dataset[dataset])}); {reference} is not one"
    return None
