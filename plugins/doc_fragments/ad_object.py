# Copyright (c) wincontainers.gmsa contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options every module that manages one AD object (group, user, service_account) shares, named as
    # microsoft.ad names them.
    DOCUMENTATION = r'''
options:
  identity:
    description:
      - Finds an existing object by its sAMAccountName, distinguished name, SID (C(S-1-5-21-...)), GUID
        (C(objectGUID)) or user principal name, as C(identity) does in the microsoft.ad collection.
      - When given, O(name) may be left out; it then defaults to the name of the object found. A task with only
        O(identity) that finds no object fails for O(state=present) (there is no name to create one with), and
        changes nothing for O(state=absent).
      - An identity that names another kind of object, or more than one object, fails the task.
      - The object is neither renamed nor given another sAMAccountName; a O(name) or a sAMAccountName that
        differs from the object found fails the task and says what it found.
    type: str
'''

    # The description of the object, shared by group, user, service_account and application.
    DESCRIPTION = r'''
options:
  description:
    description:
      - The description of the object the module manages (its C(description) attribute); for
        M(wincontainers.gmsa.application), of the gMSA.
      - V('') removes it; when not given it is left alone.
    type: str
'''
