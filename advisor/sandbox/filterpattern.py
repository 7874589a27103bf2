"""CloudWatch Logs filter patterns for unstructured events, as FilterLogEvents applies them.

moto treats every pattern but plain terms and quoted phrases as "match everything"
(../shared/reference/tooling.md), which would make a test of "collect only the error lines" mean
nothing. This module follows the documented syntax (FilterAndPatternSyntax, regex-expressions pages):

- `""` matches every event;
- `ERROR Exception`: every term must appear (terms are case-sensitive);
- `?ERROR ?Exception`: at least one of the `?` terms must appear;
- `-DEBUG` (or `ERROR -timeout`): the event must not contain the term;
- `"exact phrase"`: a term with spaces or punctuation, quoted;
- `%regex%`: a regular expression, with only the characters and operators AWS allows (no parentheses).

JSON (`{ $.x = ... }`) and space-delimited (`[a, b]`) patterns are refused with a clear error rather
than matched loosely: the sandbox must never pretend that a pattern it cannot evaluate matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PATTERN = 1024  # filterPattern's length limit in botocore's logs model
_REGEX_ALLOWED = re.compile(r"^[A-Za-z0-9:_#=@/;,\-^$?\[\]{}|\\*+.]*$")


class PatternError(ValueError):
    """A filter pattern the API rejects (InvalidParameterException)."""


@dataclass(frozen=True)
class Term:
    text: str
    regex: re.Pattern[str] | None = None

    def found_in(self, message: str) -> bool:
        return self.regex.search(message) is not None if self.regex else self.text in message


@dataclass(frozen=True)
class FilterPattern:
    """Parsed once per request, applied to every event."""

    required: tuple[Term, ...] = ()
    any_of: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()

    def matches(self, message: str) -> bool:
        return (
            all(t.found_in(message) for t in self.required)
            and (not self.any_of or any(t.found_in(message) for t in self.any_of))
            and not any(t.found_in(message) for t in self.excluded)
        )


def parse(pattern: str | None) -> FilterPattern:
    """The pattern's terms; PatternError for what FilterLogEvents would refuse or the sandbox cannot do."""
    text = (pattern or "").strip()
    if len(pattern or "") > MAX_PATTERN:
        raise PatternError(f"filterPattern must be at most {MAX_PATTERN} characters")
    if text.startswith("{") or text.startswith("["):
        raise PatternError(
            "JSON and space-delimited filter patterns are not supported by the sandbox; "
            'use terms, ?terms, -terms, "phrases" or %regex%'
        )
    required: list[Term] = []
    any_of: list[Term] = []
    excluded: list[Term] = []
    for prefix, term in _tokens(text):
        {"": required, "?": any_of, "-": excluded}[prefix].append(term)
    return FilterPattern(tuple(required), tuple(any_of), tuple(excluded))


def _tokens(text: str):
    """(prefix, Term) pairs: prefix '', '?' or '-'."""
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        prefix = ""
        if text[i] in "?-" and i + 1 < len(text) and not text[i + 1].isspace():
            prefix, i = text[i], i + 1
        if text[i] == '"':
            end = _closing(text, i, '"')
            yield prefix, Term(text[i + 1 : end].replace('\\"', '"'))
        elif text[i] == "%":
            end = _closing(text, i, "%")
            yield prefix, _regex(text[i + 1 : end])
        else:
            end = i
            while end < len(text) and not text[end].isspace():
                end += 1
            word = text[i:end]
            if '"' in word or "%" in word:
                raise PatternError(f"Invalid character(s) in term '{word}': quote it")
            yield prefix, Term(word)
            end -= 1
        i = end + 1


def _closing(text: str, start: int, mark: str) -> int:
    end = start + 1
    while end < len(text) and (text[end] != mark or (mark == '"' and text[end - 1] == "\\")):
        end += 1
    if end >= len(text):
        raise PatternError(f"Unterminated {mark} in filter pattern at position {start}")
    return end


def _regex(body: str) -> Term:
    if not body:
        raise PatternError("Empty regular expression in filter pattern")
    if not _REGEX_ALLOWED.match(body):
        raise PatternError(
            f"Invalid regular expression %{body}%: only letters, digits, :_#=@/;,- and the operators "
            "^$?[]{}|\\*+. are allowed (no parentheses)"
        )
    try:
        return Term(body, re.compile(body))
    except re.error as exc:
        raise PatternError(f"Invalid regular expression %{body}%: {exc}") from None
