from django.urls import path

from hims.scheduling import views

app_name = "opd"
urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("counter/check-in", views.check_in, name="check-in"),
    path("counter/walk-in", views.walk_in, name="walk-in"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/<slug:action>", views.worklist_act, name="worklist-act"),
    path("board/<int:department_id>/", views.board, name="board"),
    path("board/<int:department_id>/events", views.board_events, name="board-events"),
    path("blocks/", views.blocks, name="blocks"),
]
