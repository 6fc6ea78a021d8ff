"""Tables of collectors."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from collectors.models import Collector


class CollectorTable(tables.Table):
    site_name = tables.Column(verbose_name="Site")
    is_active = tables.BooleanColumn(verbose_name="Active", yesno="Yes,No")
    config_version = tables.Column(verbose_name="Version")
    updated_at = tables.DateTimeColumn(verbose_name="Last updated", format="Y-m-d H:i:s")

    class Meta:
        model = Collector
        fields = ("site_name", "is_active", "config_version", "updated_at")
        order_by = ("site_name",)
        attrs = {"class": "collectors"}
        empty_text = "No collectors match."

    def __init__(self, *args, can_edit: bool = False, **kwargs):
        self.can_edit = can_edit
        super().__init__(*args, **kwargs)

    def render_site_name(self, record, value):
        if not self.can_edit:
            return value
        return format_html('<a href="{}">{}</a>', reverse("collectors:edit", args=[record.pk]), value)
