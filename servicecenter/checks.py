from django.conf import settings
from django.core.checks import Tags, Warning, register

from servicecenter.crypto import uses_development_keys


@register(Tags.security, deploy=True)
def check_encryption_keys(app_configs, **kwargs):
    if uses_development_keys():
        return [
            Warning(
                "FIELD_ENCRYPTION_KEY and ID_HASH_KEY are not set: ID numbers would be encrypted "
                "with keys derived from SECRET_KEY.",
                hint="Set both environment variables (README.md, 'Environment').",
                id="servicecenter.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_broker(app_configs, **kwargs):
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        return [
            Warning(
                "Celery uses the development filesystem broker.",
                hint="Set REDIS_URL or CELERY_BROKER_URL.",
                id="servicecenter.W002",
            )
        ]
    return []
