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
  adopt:
    description:
      - Whether an existing object that this collection may not have made is taken as it is.
      - An object is this collection's to take when its owner is the domain's administrators (Domain Admins,
        Enterprise Admins, BUILTIN\\Administrators), the domain controller itself (SYSTEM) or the account the
        task binds as, and, when O(path) is given, when it sits there. Whoever owns an object may change its
        permissions at any time, so a group or user someone else made first, under the name this task manages,
        stays theirs.
      - V(false) stops the task at such an object, before anything is written, naming the object, its owner and
        where it is. For O(state=absent) the object is not removed either.
      - V(true) takes it over. The bound account becomes its owner (a warning says so, and diff mode shows the
        owner), and it moves to O(path) when one is given.
      - Not given, the owner is not looked at, as in the microsoft.ad collection.
        M(wincontainers.gmsa.application) always looks (its default is V(false)).
    type: bool
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
