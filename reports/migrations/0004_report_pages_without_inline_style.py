"""Reports stored before the pages' Content-Security-Policy (issue 12) keep inline
``<style>`` blocks and ``style="width: …"`` bars in their web sections, which the policy
now blocks (on a phone their bars would show empty). Blanking those sections makes the
report page render them again, from the unchanged snapshot, on its next view
(reports/views.py: ``report_page_store``): same figures, no inline style."""

from django.db import migrations
from django.db.models import Q


def pages_to_render_again(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Report.objects.filter(Q(sections_html__contains="<style") | Q(sections_html__contains='style="')).update(sections_html="")


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_report_rebuild")]

    operations = [migrations.RunPython(pages_to_render_again, migrations.RunPython.noop)]
