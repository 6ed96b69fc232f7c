"""Training log: sessions, attendance with scores, who sees what, pages and API."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from staff import selectors_training, services_training
from staff.models import TrainingAttendance, TrainingSession
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
API = "/api/staff/training/"


@pytest.fixture
def session(estate_a, users):
    made = services_training.create_training_session(
        estate=estate_a,
        topic="消防安全",
        session_date=date(2025, 3, 10),
        trainer_name="消防大队",
        actor=users["manager"],
    )
    services_training.record_training_attendance(
        session=made, user=users["housekeeper"], score=88, actor=users["supervisor"]
    )
    services_training.record_training_attendance(
        session=made, user=users["clerk"], attended=False, note="请假", actor=users["supervisor"]
    )
    return made


# --- services ------------------------------------------------------------------------------------


def test_a_session_needs_a_topic_and_a_trainer(estate_a, users):
    with pytest.raises(ValidationError) as error:
        services_training.create_training_session(
            estate=estate_a, topic=" ", session_date=date(2025, 3, 1), actor=users["manager"]
        )
    assert set(error.value.message_dict) == {"topic", "trainer"}
    assert not TrainingSession.objects.exists()


def test_a_trainer_from_another_estate_is_refused(estate_a, estate_b, users):
    stranger = make_staff("supervisor", estate_b, username="sup-b")
    with pytest.raises(ValidationError):
        services_training.create_training_session(
            estate=estate_a,
            topic="礼仪",
            session_date=date(2025, 3, 1),
            trainer=stranger,
            actor=users["manager"],
        )


def test_materials_are_stored_after_checking(estate_a, users):
    made = services_training.create_training_session(
        estate=estate_a,
        topic="礼仪",
        session_date=date(2025, 3, 1),
        trainer=users["supervisor"],
        materials=SimpleUploadedFile("slides.pdf", PDF),
        actor=users["manager"],
    )
    assert made.materials_content_type == "application/pdf"
    assert made.materials_file.read() == PDF
    with pytest.raises(ValidationError):
        services_training.create_training_session(
            estate=estate_a,
            topic="礼仪",
            session_date=date(2025, 3, 1),
            trainer=users["supervisor"],
            materials=SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>"),
            actor=users["manager"],
        )


def test_recording_twice_corrects_the_one_row(session, users):
    services_training.record_training_attendance(
        session=session, user=users["housekeeper"], score=95, actor=users["supervisor"]
    )
    assert TrainingAttendance.objects.get(session=session, user=users["housekeeper"]).score == 95
    assert session.attendances.count() == 2


@pytest.mark.parametrize("attended, score", [(True, 101), (True, -1), (False, 60)])
def test_bad_scores_are_refused(session, users, attended, score):
    with pytest.raises(ValidationError):
        services_training.record_training_attendance(
            session=session,
            user=users["technician"],
            attended=attended,
            score=score,
            actor=users["supervisor"],
        )
    assert not TrainingAttendance.objects.filter(user=users["technician"]).exists()


def test_someone_of_another_estate_cannot_attend(session, estate_b, users):
    with pytest.raises(ValidationError):
        services_training.record_training_attendance(
            session=session, user=make_staff("clerk", estate_b, username="clerk-b"), actor=users["supervisor"]
        )


# --- who sees what --------------------------------------------------------------------------------


def test_selectors_scope_by_role(session, estate_b, users):
    listed = selectors_training.sessions_for_list(user=users["manager"]).get()
    assert (listed.attendee_count, listed.average_score) == (1, 88)
    assert selectors_training.sessions_for_list(user=users["housekeeper"]).count() == 1  # attended
    assert selectors_training.sessions_for_list(user=users["technician"]).count() == 0  # not there
    other_supervisor = make_staff("supervisor", estate_b, username="sup-b")
    assert selectors_training.sessions_for_list(user=other_supervisor).count() == 0
    grid = selectors_training.attendance_grid(session=session, user=users["housekeeper"])
    assert [line.user for line in grid] == [users["housekeeper"]]


# --- pages ----------------------------------------------------------------------------------------


def test_list_page_query_count(session, estate_a, users, client_as, django_assert_max_num_queries):
    for n in range(5):
        services_training.create_training_session(
            estate=estate_a,
            topic=f"课{n}",
            session_date=date(2025, 2, n + 1),
            trainer_name="外请",
            actor=users["manager"],
        )
    client = client_as(users["supervisor"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("staff:training_list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 6


def test_create_page_logs_a_session(estate_a, users, client_as):
    response = client_as(users["supervisor"]).post(
        reverse("staff:training_create"),
        {
            "estate": estate_a.pk,
            "topic": "电梯困人处置",
            "session_date": "2025-03-12",
            "trainer": users["manager"].pk,
            "materials_url": "https://example.com/slides",
        },
    )
    made = TrainingSession.objects.get()
    assert response.status_code == 302
    assert (made.topic, made.trainer, made.created_by) == (
        "电梯困人处置",
        users["manager"],
        users["supervisor"],
    )


def test_create_page_shows_service_errors(estate_a, users, client_as):
    response = client_as(users["supervisor"]).post(
        reverse("staff:training_create"), {"estate": estate_a.pk, "topic": "x", "session_date": "2025-03-12"}
    )
    assert response.status_code == 200
    assert "trainer" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def test_housekeeper_cannot_log_a_session(users, client_as):
    assert client_as(users["housekeeper"]).get(reverse("staff:training_create")).status_code == 403


def test_attendance_grid_saves_scores(session, users, client_as):
    client = client_as(users["supervisor"])
    detail = client.get(reverse("staff:training_detail", args=[session.pk]))
    rows = detail.context["rows"]
    data = {"att-TOTAL_FORMS": len(rows), "att-INITIAL_FORMS": len(rows)}
    for index, (line, _form) in enumerate(rows):
        data[f"att-{index}-user"] = line.user.pk
        if line.user == users["technician"]:
            data[f"att-{index}-attended"] = "on"
            data[f"att-{index}-score"] = "76"
        elif line.attendance is not None:
            if line.attendance.attended:
                data[f"att-{index}-attended"] = "on"
            data[f"att-{index}-score"] = "" if line.attendance.score is None else line.attendance.score
            data[f"att-{index}-note"] = line.attendance.note
    response = client.post(reverse("staff:training_attendance", args=[session.pk]), data)
    assert response.status_code == 302
    assert TrainingAttendance.objects.get(session=session, user=users["technician"]).score == 76
    assert session.attendances.count() == 3  # nobody else was added


def test_a_staff_member_sees_their_own_line_only(session, users, client_as):
    response = client_as(users["housekeeper"]).get(reverse("staff:training_detail", args=[session.pk]))
    assert response.status_code == 200
    assert [line.user for line, _form in response.context["rows"]] == [users["housekeeper"]]
    assert (
        client_as(users["technician"]).get(reverse("staff:training_detail", args=[session.pk])).status_code
        == 404
    )


# --- API --------------------------------------------------------------------------------------------


def test_api_list_and_detail(session, users, api_as):
    client = api_as(users["manager"])
    listed = client.get(API).json()["results"]
    assert [row["topic"] for row in listed] == ["消防安全"]
    detail = client.get(f"{API}{session.pk}/").json()
    assert sorted((a["user"], a["score"]) for a in detail["attendances"]) == sorted(
        [(users["housekeeper"].pk, 88), (users["clerk"].pk, None)]
    )


def test_api_create_and_record(estate_a, users, api_as):
    client = api_as(users["supervisor"])
    response = client.post(
        API,
        {"estate": estate_a.pk, "topic": "礼仪", "session_date": "2025-03-01", "trainer_name": "外请讲师"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    recorded = client.post(f"{API}{pk}/attendance/", {"user": users["clerk"].pk, "score": 91}, format="json")
    assert recorded.status_code == 200
    assert recorded.json()["score"] == 91
    bad = client.post(f"{API}{pk}/attendance/", {"user": users["clerk"].pk, "score": 101}, format="json")
    assert bad.status_code == 400


def test_api_refuses_writes_to_staff_and_hides_other_estates(session, estate_b, users, api_as):
    assert api_as(users["housekeeper"]).post(API, {}, format="json").status_code == 403
    other = make_staff("supervisor", estate_b, username="sup-b")
    assert api_as(other).get(f"{API}{session.pk}/").status_code == 404
    assert api_as(other).post(f"{API}{session.pk}/attendance/", {}, format="json").status_code == 404


def test_api_list_query_count(session, users, api_as, django_assert_max_num_queries):
    client = api_as(users["manager"])
    with django_assert_max_num_queries(10):
        assert client.get(API).status_code == 200
