from taolun.core.scheduler import IntervalScheduler


def test_every_job_runs_at_start_then_once_per_interval():
    ran = []
    scheduler = IntervalScheduler(
        {"cleanup": {"task": "orgs.cleanup", "schedule": 3600.0}, "fast": {"task": "x.fast", "schedule": 60}},
        ran.append,
    )
    assert scheduler.tick(0.0) == ["cleanup", "fast"]
    assert scheduler.tick(59.0) == []
    assert scheduler.tick(60.0) == ["fast"]
    assert scheduler.tick(3600.0) == ["cleanup", "fast"]
    assert ran == ["orgs.cleanup", "x.fast", "x.fast", "orgs.cleanup", "x.fast"]


def test_a_failing_job_does_not_stop_the_others():
    ran = []

    def run(task):
        if task == "bad":
            raise RuntimeError("boom")
        ran.append(task)

    scheduler = IntervalScheduler({"a": {"task": "bad", "schedule": 10}, "b": {"task": "good", "schedule": 10}}, run)
    assert scheduler.tick(0.0) == ["a", "b"]
    assert ran == ["good"]
    assert scheduler.tick(5.0) == []  # the failed job waits for its next interval like the others


def test_the_beat_schedule_names_registered_tasks():
    from django.conf import settings

    from taolun.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        assert float(entry["schedule"]) > 0
