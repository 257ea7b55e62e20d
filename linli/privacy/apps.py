from django.db.models import Q

from linli.core.modules import ModuleConfig


def _own_person_rows(user):
    from linli.people.models import Person

    return Q(person_id__in=Person.objects.filter(user=user).values("pk")) | Q(
        person__household_id__in=Person.objects.filter(user=user, household__isnull=False).values("household_id")
    )


class PrivacyConfig(ModuleConfig):
    """Personal-data protections (PIPL): consent, correction requests, the auditor's person trail, retention and
    legal holds, key rotation and the resident's data copy. Sits above people and below the domain apps."""

    name = "linli.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"
    urls = "linli.privacy.urls"

    def register(self, m):
        from linli.core.modules import AuditTrail, PersonalDataSection
        from linli.core.navigation import MenuItem
        from linli.core.roles import GRID_ROLES, OFFICE_ROLES, SELF_ROLES, Role, verbs
        from linli.privacy import selectors, services

        m.scope(
            "correction", "privacy.CorrectionRequest", own=lambda user: Q(requested_by=user) | _own_person_rows(user)
        )
        m.scope("consent", "privacy.ConsentRecord", own=_own_person_rows)
        m.scope("retention", "privacy.RetentionPolicy", region_path=None)

        # correction: residents' correction requests (PIPL Art. 46); consent: consent records for sensitive
        # processing (PIPL Art. 29/31); retention: purge periods and legal holds (system administrators).
        m.allow(OFFICE_ROLES + GRID_ROLES, verbs(("correction", "consent"), ("view", "change")) | {"consent.add"})
        m.allow((Role.AUDITOR,), {"correction.view", "consent.view", "retention.view"})
        m.allow(SELF_ROLES, {"correction.view", "correction.add", "consent.view"})

        m.menu("数据", MenuItem("更正申请", "privacy:correction_list", "correction.view"))
        m.menu("数据", MenuItem("同意记录", "privacy:consent_list", "consent.change"))
        m.menu("区域与审计", MenuItem("个人信息审计", "privacy:audit_person", "audit.view"))
        m.menu("区域与审计", MenuItem("保存期限与保全", "privacy:retention", "retention.view"))

        # people asks before a tag is assigned; a sensitive tag needs a current separate consent.
        m.check("people.tag_assign", services.require_consent_for_tag)

        # The auditor's trail: the person's record and what hangs off it (people), consents and corrections.
        m.audit_trail(AuditTrail("people", accesses=selectors.people_accesses, changes=selectors.people_changes))
        m.audit_trail(AuditTrail("privacy", changes=selectors.privacy_changes))

        # The data copy: the account, consents and corrections, and who looked at or changed the record.
        for key, label, collect, order in (
            ("account", "账号", selectors.personal_data_account, 10),
            ("consents", "同意记录", selectors.personal_data_consents, 70),
            ("corrections", "更正申请", selectors.personal_data_corrections, 80),
            ("accesses", "访问记录", selectors.personal_data_accesses, 900),
            ("changes", "变更记录", selectors.personal_data_changes, 910),
        ):
            m.personal_data(PersonalDataSection(key, label, collect, order=order))
        for kind in services.RETENTION_KINDS:
            m.retention(kind)
