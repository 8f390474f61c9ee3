"""The text of a loop nest, read for the scop: tokens, and a tree of `for` loops, declarations and
expression statements. The reader accepts only those, so no construct it does not understand can
slip into a restructured nest; anything else is a `Refusal` with a stable code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from autopar.ir import Loop


class Refusal(Exception):
    """Why a nest is outside the restructurable subset: a stable code and a sentence."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ------------------------------------------------------------------------------------ tokenizer

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<pp>\#)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<number>\.?\d(?:[eEpP][+-]|[\w.])*)
  | (?P<punct>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^!=<>]=|[][(){};,.?:~!<>=+*/%&|^-])
""", re.VERBOSE | re.DOTALL)


@dataclass
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str, start: int, stop: int) -> list[Token]:
    tokens: list[Token] = []
    position = start
    while position < stop:
        match = _TOKEN.match(text, position)
        if match is None:
            raise Refusal("unreadable", f"cannot read the nest's text at byte {position}")
        kind = match.lastgroup or ""
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    return tokens


@dataclass
class LoopNode:
    loop: Loop
    children: list["Node"]


@dataclass
class StmtNode:
    start: int
    end: int  # offset of the `;`
    tokens: list[Token]


@dataclass
class DeclNode:
    """`TYPE NAME = EXPR;`: a scalar declared with a value (an accumulator, autopar.edit.restructure.accumulators)."""

    start: int
    end: int  # offset of the `;`
    type_text: str
    name: str
    init: list[Token]


Node = Union[LoopNode, StmtNode, DeclNode]

_KEYWORDS_REFUSED = {
    "if": "conditional code (if) in the nest", "else": "conditional code (if) in the nest",
    "while": "a while loop in the nest", "do": "a do-while loop in the nest",
    "switch": "a switch in the nest", "return": "a return in the nest", "break": "a break in the nest",
    "continue": "a continue in the nest", "goto": "a goto in the nest", "case": "a switch in the nest",
}
_TYPE_WORDS = {"int", "long", "short", "char", "float", "double", "unsigned", "signed", "const", "static",
               "struct", "union", "enum", "typedef", "size_t", "auto", "register", "volatile", "bool",
               "_Bool", "void", "extern"}
# the words of a scalar accumulator's type: no storage class, no aggregate, no pointer
SCALAR_TYPE_WORDS = {"int", "long", "short", "char", "float", "double", "unsigned", "signed", "const"}


class NestParser:
    def __init__(self, tokens: list[Token], loops_by_offset: dict[int, Loop]):
        self.tokens = tokens
        self.index = 0
        self.loops = loops_by_offset

    def peek(self) -> Optional[Token]:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, text: Optional[str] = None) -> Token:
        token = self.peek()
        if token is None or (text is not None and token.text != text):
            raise Refusal("unreadable", f"cannot read the nest: expected {text!r}")
        self.index += 1
        return token

    def statement(self) -> list[Node]:
        token = self.peek()
        if token is None:
            raise Refusal("unreadable", "cannot read the nest: it ends early")
        if token.text == "for":
            return [self.for_loop()]
        if token.text == "{":
            self.take("{")
            nodes: list[Node] = []
            while self.peek() is not None and self.peek().text != "}":
                nodes.extend(self.statement())
            self.take("}")
            return nodes
        if token.text == ";":
            self.take(";")
            return []
        if token.kind == "pp":
            raise Refusal("preprocessor", "a preprocessor directive inside the nest")
        if token.text in _KEYWORDS_REFUSED:
            raise Refusal("control-flow", _KEYWORDS_REFUSED[token.text])
        if token.text in _TYPE_WORDS:
            return [self.declaration()]
        start = self.index
        depth = 0
        while True:
            token = self.take()
            if token.text in "([{" and token.kind == "punct":
                depth += 1
            elif token.text in ")]}" and token.kind == "punct":
                depth -= 1
                if depth < 0:
                    raise Refusal("unreadable", "cannot read the nest: unbalanced brackets")
            elif token.text == ";" and depth == 0:
                break
        body = self.tokens[start:self.index - 1]
        return [StmtNode(body[0].start if body else token.start, token.start, body)]

    def declaration(self) -> DeclNode:
        """`TYPE... NAME = EXPR;` of a scalar type, one declarator; any other declaration is refused."""
        first = self.index
        words: list[str] = []
        while self.peek() is not None and self.peek().text in SCALAR_TYPE_WORDS:
            words.append(self.take().text)
        name = self.peek()
        refused = Refusal("declaration", f"a declaration inside the nest ({self.tokens[first].text} ...)")
        if not words or name is None or name.kind != "ident" or name.text in _TYPE_WORDS:
            raise refused
        self.take()
        if self.peek() is None or self.peek().text != "=":
            raise refused
        self.take("=")
        start = self.index
        depth = 0
        while True:
            token = self.take()
            if token.kind == "punct" and token.text in "([{":
                depth += 1
            elif token.kind == "punct" and token.text in ")]}":
                depth -= 1
            elif token.text == "," and depth == 0:
                raise refused  # several declarators
            elif token.text == ";" and depth == 0:
                break
        init = self.tokens[start:self.index - 1]
        if not init:
            raise refused
        return DeclNode(self.tokens[first].start, token.start, " ".join(words), name.text, init)

    def for_loop(self) -> LoopNode:
        keyword = self.take("for")
        loop = self.loops.get(keyword.start)
        if loop is None:
            raise Refusal("unreadable", f"a for loop at byte {keyword.start} that the front end did not describe")
        self.take("(")
        depth = 1
        while depth:
            token = self.take()
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
        return LoopNode(loop, self.statement())


def spaced(tokens: list[Token]) -> list[str]:
    """Token texts with a space where the source had any gap, so the text reads as written."""
    out: list[str] = []
    for index, token in enumerate(tokens):
        if index and token.start > tokens[index - 1].end:
            out.append(" ")
        out.append(token.text)
    return out
