"""What a user does, as functions over a session. Each write commits with its audit row."""
