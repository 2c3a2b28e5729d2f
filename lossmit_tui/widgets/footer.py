"""The key footer: the app's own keys (`q` quit, `?` keys) first, so that a narrow terminal
(80 columns) cuts a screen's less-used keys, never the way out or the key map."""

from collections.abc import Iterable

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST = ("quit", "toggle_keys")  # the actions of the app's q and ? bindings


class KeyFooter(Footer):
    """A Footer whose first keys are always `q` and `?` (when the screen has them).

    Textual's Footer rebuilds its keys whenever the screen's bindings are updated, which
    happens on every focus change even when the keys it shows stay the same (moving between
    the fields of a form); rebuilding and laying them out again was most of the cost of a
    key press there. This one rebuilds only when what it shows would change."""

    _shown: object = None  # what the last compose showed

    def _what_it_shows(self) -> object:
        """Everything `Footer.compose` reads: the shown bindings in order, each with whether
        it is enabled and its tooltip, and the command palette's binding."""
        active = self.screen.active_bindings
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            entry = active.get(self.app.COMMAND_PALETTE_BINDING)
            palette = entry[1:] if entry is not None else None
        return (tuple((binding, enabled, tooltip)
                      for (_, binding, enabled, tooltip) in active.values() if binding.show),
                palette)

    def compose(self) -> Iterable[Widget]:
        if self._bindings_ready:
            self._shown = self._what_it_shows()
        keys = list(super().compose())
        first = [k for k in keys if isinstance(k, FooterKey) and k.action in FIRST]
        return [*sorted(first, key=lambda k: FIRST.index(k.action)),
                *[k for k in keys if k not in first]]

    def bindings_changed(self, screen: Screen[object]) -> None:
        if (self._bindings_ready and self._shown is not None and screen.app.app_focus
                and self.is_attached and screen is self.screen
                and self._what_it_shows() == self._shown):
            return  # the same keys: nothing to rebuild
        super().bindings_changed(screen)
