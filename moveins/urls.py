from django.urls import path

from moveins import views

desk_patterns = [
    path("", views.move_in_list, name="list"),
    path("new/", views.move_in_create, name="create"),
    path("<int:pk>/", views.move_in_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.move_in_action, name="action"),
    path("<int:pk>/checklist/<int:item_pk>/", views.checklist_tick, name="checklist_tick"),
    path("<int:pk>/charges/<int:charge_pk>/deposit/", views.deposit_take, name="deposit"),
    path("<int:pk>/readings/", views.readings_record, name="readings"),
    path("<int:pk>/defects/", views.defects_record, name="defects"),
    path("<int:pk>/keys/", views.keys_hand_over, name="keys"),
]
portal_patterns: list = [
    path("move-ins/", views.portal_move_ins, name="move_ins"),
    path("move-ins/<int:pk>/", views.portal_move_in, name="move_in"),
    path("move-ins/<int:pk>/rate/", views.portal_move_in_rate, name="move_in_rate"),
]
