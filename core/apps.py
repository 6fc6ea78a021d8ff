from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate

        from core import checks, db_roles, readiness  # noqa: F401 (registers the schema drift and deploy checks)
        from core.audit_metrics import audit_chain_collect
        from core.metrics import metrics_register
        from core.replica import replica_ready
        from core.request_log import request_log_connect

        readiness.readiness_register("database", readiness.database_ready)
        readiness.readiness_register("broker", readiness.broker_ready)
        readiness.readiness_register("database_role", db_roles.database_role_ready)
        readiness.readiness_register("replica", replica_ready)
        metrics_register("audit", audit_chain_collect)
        request_log_connect()
        db_roles.db_privileges_register("audit_log", ("SELECT", "INSERT"))
        # Chain checks are recorded by the owner (command, beat); the web only shows the last one. The chain's
        # head and anchors are the owner's alone: the trigger updates the head as the owner.
        db_roles.db_privileges_register(self.get_model("AuditVerification")._meta.db_table, ("SELECT",))
        # Once per migrate (sent with this app as sender): check the roles first, grant after.
        pre_migrate.connect(
            db_roles.roles_check_before_migrate, sender=self, dispatch_uid="core.db_roles.check"
        )
        post_migrate.connect(
            db_roles.grants_apply_after_migrate, sender=self, dispatch_uid="core.db_roles.grant"
        )
        connection_created.connect(
            db_roles.statement_logger_install, dispatch_uid="core.db_roles.log_refused"
        )
