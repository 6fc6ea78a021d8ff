"""Staff accounts and groups in the admin: superusers only; a user is deactivated, never deleted."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from core.models import User


class SuperusersOnlyMixin:
    """Only superusers see or change these: whoever manages accounts can grant themselves anything."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(User)
class UserAdmin(SuperusersOnlyMixin, DjangoUserAdmin):
    """Staff accounts: audit rows and soft deletes refer to a user's id, so an account is deactivated."""

    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    readonly_fields = ("id", "last_login", "date_joined")
    fieldsets = ((None, {"fields": ("id",)}), *DjangoUserAdmin.fieldsets)
    actions = ["deactivate_selected"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(permissions=["change"], description="Deactivate selected users (they can no longer log in)")
    def deactivate_selected(self, request, queryset):
        # Never oneself: a superuser locked out of their own admin needs the command line to get back.
        deactivated = queryset.filter(is_active=True).exclude(pk=request.user.pk).update(is_active=False)
        self.message_user(request, f"Deactivated {deactivated} user(s).", messages.SUCCESS)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperusersOnlyMixin, DjangoGroupAdmin):
    """Groups grant permissions: only superusers edit them."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
