"""The key footer: the app's own keys (`q` quit, `?` keys) first, so that a narrow terminal
(80 columns) cuts a screen's less-used keys, never the way out or the key map."""

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST = ("quit", "toggle_keys")  # the actions of the app's q and ? bindings


class KeyFooter(Footer):
    """A Footer whose first keys are always `q` and `?` (when the screen has them)."""

    def compose(self) -> Iterable[Widget]:
        keys = list(super().compose())
        first = [k for k in keys if isinstance(k, FooterKey) and k.action in FIRST]
        return [*sorted(first, key=lambda k: FIRST.index(k.action)),
                *[k for k in keys if k not in first]]
