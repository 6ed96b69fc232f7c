"""Monthly report pages, included from servicecenter/urls.py at /dashboard/reports/ (namespace
`monthly_reports`)."""

from django.urls import path

from dashboards import views_reports

urlpatterns = [
    path("", views_reports.report_list, name="list"),
    path("<int:pk>/", views_reports.report_detail, name="detail"),
    path("<int:pk>/rebuild/", views_reports.report_rebuild, name="rebuild"),
    path("<int:pk>/excel/", views_reports.report_excel, name="excel"),
    path("<int:pk>/pdf/", views_reports.report_pdf_view, name="pdf"),
]
