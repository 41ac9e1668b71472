"""One module per kind of page, each with its JSON twin (as Datasette's ``views/``)."""
