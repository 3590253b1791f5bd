# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to this collection: may change in any release.
"""Files the action plugins write on the controller."""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from typing import Optional

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADError, ADInputError


@dataclass(frozen=True)
class FileChange:
    changed: bool
    before: Optional[str]   # the old text, or None when there was no file


def ensure_file(path, text, mode, check_mode):
    """Make ``path`` hold ``text`` with permissions ``mode``; only what differs is written.

    The new text goes to a temporary file in the same folder, created with
    ``mode`` already, then replaces the old one: a reader never sees half a
    file, and a secret file is never readable by others, not even briefly.
    """
    before = read_text(path)
    current_mode = stat.S_IMODE(os.stat(path).st_mode) if before is not None else None
    changed = before != text or current_mode != mode
    if changed and not check_mode:
        _write(path, text, mode)
    return FileChange(changed, before)


def keep_secret(path, text):
    """Write ``text`` to ``path`` readable by its owner only (0600), in a folder made 0700 when it is new."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        try:
            os.makedirs(folder, mode=0o700)
        except OSError as exc:
            raise ADError('cannot make the folder %s: %s' % (folder, exc.strerror))
    ensure_file(path, text, 0o600, check_mode=False)


def check_writable(path, field='dest'):
    """Fail now, naming ``field``, when ``path`` could not be written: it is a folder, a folder on its way is a
    file, or the nearest existing folder may not be written to (the file is replaced through a new one there)."""
    if os.path.isdir(path):
        raise ADInputError('%s is a folder; give the path of the file to write' % path, field)
    folder = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(folder):
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise ADInputError('cannot write %s: %s is a file, not a folder' % (path, folder), field)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ADInputError('cannot write %s: the folder %s is not writable for this user' % (path, folder), field)


def read_text(path):
    """The text of ``path``, or None when there is no such file."""
    try:
        with open(path, encoding='utf-8') as existing:
            return existing.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ADError('cannot read %s: %s' % (path, exc.strerror))


def _write(path, text, mode):
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix='.%s.' % os.path.basename(path))
        try:
            os.fchmod(handle, mode)
            with os.fdopen(handle, 'w', encoding='utf-8') as new:
                new.write(text)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise ADError('cannot write %s: %s' % (path, exc.strerror))
