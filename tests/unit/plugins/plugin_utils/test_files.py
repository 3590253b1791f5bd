"""_files.check_writable: a credential spec's dest that could not be written fails before anything is made."""

from __future__ import annotations

import pytest

from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._errors import ADInputError
from ansible_collections.wincontainers.gmsa.plugins.plugin_utils._files import check_writable


def test_a_new_file_in_new_folders_under_a_writable_one_is_fine(tmp_path):
    check_writable(str(tmp_path / 'a' / 'b' / 'spec.json'))
    assert not (tmp_path / 'a').exists()   # checking creates nothing


def test_a_folder_given_as_the_file_is_refused(tmp_path):
    with pytest.raises(ADInputError, match=r'^dest: .* is a folder; give the path of the file to write$'):
        check_writable(str(tmp_path))


def test_a_file_on_the_way_is_refused(tmp_path):
    (tmp_path / 'plain').write_text('')
    with pytest.raises(ADInputError, match=r'^dest: cannot write .*/plain/x/spec.json: .*/plain is a file, not a folder$'):
        check_writable(str(tmp_path / 'plain' / 'x' / 'spec.json'))
