"""Who may see analytics and record revisions. Agents see neither unless an admin grants it."""

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.permissions import BasePermission

from tickets.queries import ROLE_ADMIN, ROLE_INTEGRATION, ROLE_MANAGER, has_role

VIEW_PERMISSION = "analytics.view_dashboard"
REVISE_PERMISSION = "routing.add_policyversion"


def can_view_dashboards(user: AbstractBaseUser) -> bool:
    """Managers and admins; anyone an admin granted ``analytics.view_dashboard``."""
    return has_role(user, ROLE_MANAGER, ROLE_ADMIN) or (
        user.is_authenticated and user.has_perm(VIEW_PERMISSION)
    )


def can_revise_policies(user: AbstractBaseUser) -> bool:
    """Managers and admins; anyone granted ``routing.add_policyversion``."""
    return has_role(user, ROLE_MANAGER, ROLE_ADMIN) or (
        user.is_authenticated and user.has_perm(REVISE_PERMISSION)
    )


class ViewsMetrics(BasePermission):
    """API: the dashboard viewers, plus integration keys (BI tools read the metrics)."""

    message = "Your role may not see the analytics."

    def has_permission(self, request, view) -> bool:
        return can_view_dashboards(request.user) or has_role(request.user, ROLE_INTEGRATION)
