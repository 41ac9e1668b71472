"""The Whoosh backend: an index in one folder, searched in this process."""
