"""Letter templates: found (the servicer's folder first, then the ones shipped with the app),
checked for their kind's required elements when loaded, and rendered in Jinja2's sandbox.

A template is `<kind>.<language>.txt`. Each required element of its kind (domain/letters.py)
is a `{% block name %}` that must hold some text of its own and use the element's merge
fields; a template that lacks one is refused when it is loaded, naming the element and the
rule, so an edited template cannot silently drop the appeal rights.

Case data is data: merge values are passed to the template, never joined into its source, so
a borrower named `{{ 7*7 }}` prints those characters. Undefined fields are errors
(StrictUndefined) and the sandbox refuses attribute tricks (SecurityError); either is a
clear refusal, never a letter with blanks.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from lossmit_tui.domain.letters import DEFAULT_LANGUAGE, LANGUAGES, LetterKind
from lossmit_tui.services.errors import InvalidInput

SHIPPED = Path(__file__).resolve().parent.parent / "letter_templates"


class TemplateRefused(InvalidInput):
    """A template that cannot be used: the message names the file, what is wrong and, for a
    missing element, the rule that requires it."""


@dataclass(frozen=True)
class LetterTemplate:
    """A checked template: its kind, the language it is in, where it came from, its source
    and that source's SHA-256 (the template version a letter records)."""

    kind: str
    language: str
    origin: str  # "shipped" or the servicer's file path
    source: str
    sha256: str
    fell_back: bool = False  # the language asked for had no template: English instead


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                trim_blocks=True, lstrip_blocks=True,
                                keep_trailing_newline=True)


_ENV = _environment()


def _names(node: nodes.Node) -> set[str]:
    return {n.name for n in node.find_all(nodes.Name)}


def _has_text(block: nodes.Block) -> bool:
    return any(t.data.strip() for t in block.find_all(nodes.TemplateData))


def check_source(kind: LetterKind, source: str, where: str) -> None:
    """Refuse (TemplateRefused) a template source that does not parse, or lacks one of its
    kind's required elements (a block with text of its own using the element's fields)."""
    try:
        tree = _ENV.parse(source)
    except TemplateError as exc:
        raise TemplateRefused(f"the {kind.key} template {where} does not parse: {exc}") from None
    blocks = {b.name: b for b in tree.find_all(nodes.Block)}
    for element in kind.elements:
        block = blocks.get(element.block)
        if block is None or not _has_text(block):
            raise TemplateRefused(
                f"the {kind.key} template {where} lacks {element.what} ({element.rule}): it "
                f"needs a {{% block {element.block} %}} with that text")
        unused = [f for f in element.fields if f not in _names(block)]
        if unused:
            raise TemplateRefused(
                f"the {kind.key} template {where} lacks {element.what} ({element.rule}): its "
                f"{{% block {element.block} %}} does not use {', '.join(unused)}")


def _candidates(kind: str, language: str, override: Path | None) -> list[tuple[Path, str]]:
    name = f"{kind}.{language}.txt"
    found = []
    if override is not None:
        found.append((override / name, str(override / name)))
    found.append((SHIPPED / name, "shipped"))
    return found


def load_template(kind: LetterKind, language: str, override: Path | None) -> LetterTemplate:
    """The checked template of `kind` in `language` (the servicer's own first, then the
    shipped one); in English, saying so, when the language has none. A template that lacks a
    required element is refused, even when another would do: a servicer's file that drops
    one is an error to fix, not a reason to print the shipped text."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    tried = [language] if language == DEFAULT_LANGUAGE else [language, DEFAULT_LANGUAGE]
    for lang in tried:
        for path, origin in _candidates(kind.key, lang, override):
            if not path.is_file():
                continue
            source = path.read_text(encoding="utf-8")
            where = f"({origin})" if origin == "shipped" else origin
            return _checked(kind, lang, origin, source, where, lang != language)
    raise TemplateRefused(f"there is no {kind.key} template (looked for "
                          f"{kind.key}.{DEFAULT_LANGUAGE}.txt in {override or 'no folder'} "
                          "and among the shipped ones)")


@lru_cache(maxsize=256)
def _checked_cached(kind: LetterKind, lang: str, origin: str, source: str, where: str,
                    fell_back: bool) -> LetterTemplate:
    check_source(kind, source, where)
    return LetterTemplate(kind.key, lang, origin, source,
                          hashlib.sha256(source.encode("utf-8")).hexdigest(), fell_back)


def _checked(kind: LetterKind, lang: str, origin: str, source: str, where: str,
             fell_back: bool) -> LetterTemplate:
    return _checked_cached(kind, lang, origin, source, where, fell_back)


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    return _ENV.from_string(source)


def render(template: LetterTemplate, fields: Mapping[str, Any]) -> str:
    """The letter's text: the template filled with `fields` in the sandbox. A template that
    reaches outside its fields (an unknown name, an attribute the sandbox refuses) is
    refused, naming what it tried."""
    try:
        text = str(_compiled(template.source).render(**fields))
    except SecurityError as exc:
        raise TemplateRefused(f"the {template.kind} template ({template.origin}) tried "
                              f"something the letter sandbox refuses: {exc}") from None
    except TemplateError as exc:
        raise TemplateRefused(f"the {template.kind} template ({template.origin}) could not be "
                              f"filled: {exc}") from None
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
