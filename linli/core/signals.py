"""Security plumbing: a changed password, or a removed TOTP device, ends every API token of the account.

Signals, because a password changes in many places (admin, ``changepassword``, a reset form) and every one
of them must revoke; the audited business paths (``services.otp_device_confirm``, ``services.otp_reset``)
revoke explicitly as well.
"""

from django.db.models.signals import post_delete, post_save


def _password_changed(sender, instance, created, **kwargs):
    # AbstractBaseUser.set_password keeps the new raw password in ``_password`` until save() has finished.
    if not created and getattr(instance, "_password", None) is not None:
        from linli.core import services

        services.api_tokens_revoke_all(user=instance, actor=None, why="修改密码")


def _device_removed(sender, instance, **kwargs):
    from knox.models import AuthToken

    AuthToken.objects.filter(user_id=instance.user_id).delete()


def connect() -> None:
    from django.conf import settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    post_save.connect(_password_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="linli-password-tokens")
    post_delete.connect(_device_removed, sender=TOTPDevice, dispatch_uid="linli-otp-tokens")
