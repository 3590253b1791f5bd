"""The stand-in's models of the collection's PowerShell scripts: one module each, found by the SHA-256 of the script's
text, so that a script whose text changes has no model until its model is changed with it.

A model has SCRIPT (the file name), SHA256 (of the text as the role sends it: lookup('file') strips the trailing
white space) and ``run(ps, parameters)``, which emulates the script's body statement by statement on a ``PowerShell``
(_powershell.py), each statement naming the script line it models and a piece of that line's text
(tests/unit/standin/test_windows_script_models.py holds both to the script). A model may also have ``refused``:
why given parameters break what the script's header allows, or None.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil


def digest(text):
    return hashlib.sha256(text.rstrip().encode('utf-8')).hexdigest()


def models():
    """SHA-256 of a script's text -> its model."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        model = importlib.import_module('%s.%s' % (__name__, module.name))
        found[model.SHA256] = model
    return found
