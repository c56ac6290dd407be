"""Test data built per app, with the product's own models and services: a test makes the
school, people, course and run it needs instead of looking them up in the demo programme.

One module per app (`accounts`, `courses`, `bookings`, `billing`). Each builder is a plain
function taking keyword arguments for what the test cares about and sensible defaults for the
rest; names and numbers are unique per call so that builders can be called again freely."""
