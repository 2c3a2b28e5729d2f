"""What the app remembers for the person at the keyboard between runs (the theme chosen), in
`prefs.json` in the user config directory: never in the configuration file, which a lead may
share with a team."""

import json
from pathlib import Path
from typing import Any

import platformdirs

from lossmit_tui.config import APP_NAME


def prefs_path() -> Path:
    """`prefs.json` in the user config directory (e.g. ~/.config/lossmit/)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "prefs.json"


def load_prefs() -> dict[str, Any]:
    """The remembered preferences; nothing (not an error) when the file is missing or
    unreadable: a preference is never worth refusing to start over."""
    try:
        found = json.loads(prefs_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def save_pref(name: str, value: Any) -> None:
    """Remember one preference (the file readable by its owner only). A failure to write is
    not the user's problem right now: it is ignored, and the choice lasts this run."""
    path = prefs_path()
    prefs = {**load_prefs(), name: value}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(prefs, indent=2), encoding="utf-8")
        path.chmod(0o600)
    except OSError:
        return
