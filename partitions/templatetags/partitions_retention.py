"""Template tag for what retention keeps: `{% retention_kept %}` (the `_held.html` partial), status page."""

from django import template

from partitions.kept import retention_kept_rows

register = template.Library()


@register.inclusion_tag("partitions/_held.html")
def retention_kept() -> dict:
    """Render the rows kept past retention (legal holds), by partition and case."""
    return {"kept": retention_kept_rows()}
