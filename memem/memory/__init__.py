"""Memory operations: save, get, deprecate, link, import; screening and classification of what is written."""
