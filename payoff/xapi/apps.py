from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "payoff.xapi"
    label = "xapi"
    verbose_name = _("Learning records (xAPI)")

    def ready(self) -> None:
        from micromastery.common.outbox import outbox_senders
        from payoff.xapi.delivery import StatementSender
        from payoff.xapi.services import StatementHook
        from practice.extensions import learning_event_hooks

        learning_event_hooks.register(StatementHook())

        from micromastery.common.encryption import EncryptedField, encrypted_fields
        from payoff.xapi.models import LearningRecordStore

        encrypted_fields.register(
            EncryptedField(LearningRecordStore, "password_encrypted", "LRS password")
        )
        outbox_senders.register(StatementSender())
