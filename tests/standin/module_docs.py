"""Write the documentation of every real module the stand-ins mimic, as ansible-doc --json gives it.

Run with the ansible-doc of the virtualenv that holds the pinned collections; the stand-ins read the
file named by STANDIN_MODULE_DOCS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

STANDINS = Path(__file__).resolve().parent / 'collections' / 'ansible_collections'
MIMICKED = ('ansible/windows', 'kubernetes/core', 'azure/azcollection')


def mimicked_modules():
    for collection in MIMICKED:
        for path in sorted((STANDINS / collection / 'plugins' / 'action').glob('*.py')):
            if path.stem != '__init__':
                yield '%s.%s' % (collection.replace('/', '.'), path.stem)


def write_module_docs(destination, ansible_doc):
    # Only the real collections: the stand-ins' own folder must not be on the path.
    env = {key: value for key, value in os.environ.items() if key != 'ANSIBLE_COLLECTIONS_PATH'}
    env['ANSIBLE_COLLECTIONS_PATH'] = os.devnull
    listing = subprocess.run([ansible_doc, '--json', '-t', 'module', *mimicked_modules()],
                             check=True, capture_output=True, text=True, env=env).stdout
    documents = json.loads(listing)
    Path(destination).write_text(json.dumps(documents))
    return documents


if __name__ == '__main__':
    write_module_docs(sys.argv[1], str(Path(sys.executable).parent / 'ansible-doc'))
