"""Log in with a mobile number instead of the username (issue #14).

The stamped ModelBackend (before this one in AUTHENTICATION_BACKENDS) tries the text as a username;
this backend then tries it as the mobile of a person in the archive. A mobile shared by the
logins of several people (a household with one phone) names nobody: it is refused, and those
people log in with their usernames. axes still counts every failure under the text typed, per
username and per IP, because it sits first in AUTHENTICATION_BACKENDS and listens to the failures.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from residents.services_access import mobile_digits
from servicecenter.authentication import StampedModelBackend


class MobileBackend(StampedModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        digits = mobile_digits(username or "")
        if not digits or password is None:
            return None
        users = list(get_user_model().objects.filter(persons__mobile=digits).distinct()[:2])
        if len(users) != 1:
            # Unknown, or ambiguous: run the hasher anyway, so the answer takes as long either way.
            get_user_model()().set_password(password)
            return None
        user = users[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
