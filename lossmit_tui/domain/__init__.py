"""Pure rules on plain values: no Textual, no database session, no clock, no I/O."""
