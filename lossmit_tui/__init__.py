"""lossmit-tui: a keyboard-driven terminal application for mortgage loss-mitigation teams."""

__version__ = "0.1.0"
