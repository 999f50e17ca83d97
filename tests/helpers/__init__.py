"""What tests share besides fixtures, one module per noun: the data files, the
databases, the app and its servers, the command line, the mail server, damaged
documents and hostile input. Fixtures are in the ``conftest.py`` files."""
