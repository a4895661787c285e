"""What the caches fed by the change feed may keep and must forget (no database involved)."""

from __future__ import annotations

from agency.db.changes import PROJECT_TABLES, ChangeFeed

LIST_TABLES = frozenset({"projects", "approvals"})


def _listening() -> ChangeFeed:
    feed = ChangeFeed()
    feed.live = True
    return feed


def test_a_dossier_is_forgotten_when_it_changes_and_only_then() -> None:
    feed = _listening()
    details = feed.cache("detail", PROJECT_TABLES, per_project=True)
    details.keep(("p", 1), feed.stamp(), "one", 1)
    details.keep(("p", 2), feed.stamp(), "two", 2)
    feed.on_notification("clock_events:2,3")
    assert details.get(("p", 1)) == "one"
    assert details.get(("p", 2)) is None
    feed.on_notification("users:*")
    assert details.get(("p", 1)) is None


def test_an_answer_read_while_its_dossier_changed_is_not_kept() -> None:
    feed = _listening()
    details = feed.cache("detail", PROJECT_TABLES, per_project=True)
    stamp = feed.stamp()  # the read starts …
    feed.on_notification("approvals:7")  # … another writer commits meanwhile …
    details.keep(("p", 7), stamp, "as read before the change", 7)
    details.keep(("p", 8), stamp, "another dossier", 8)
    assert details.get(("p", 7)) is None
    assert details.get(("p", 8)) == "another dossier"


def test_a_list_page_is_forgotten_on_any_change_of_its_tables_and_kept_through_others() -> None:
    feed = _listening()
    lists = feed.cache("list", LIST_TABLES, per_project=False)
    lists.keep("page1", feed.stamp(), ["a"])
    feed.on_notification("project_milestones:5")
    assert lists.get("page1") == ["a"]
    stamp = feed.stamp()
    feed.on_notification("approvals:5")
    assert lists.get("page1") is None
    lists.keep("page1", stamp, ["stale"])
    assert lists.get("page1") is None


def test_nothing_is_served_or_kept_while_the_feed_is_not_listening() -> None:
    feed = _listening()
    details = feed.cache("detail", PROJECT_TABLES, per_project=True)
    details.keep(("p", 1), feed.stamp(), "one", 1)
    feed.live = False
    assert details.get(("p", 1)) is None
    details.keep(("p", 2), feed.stamp(), "two", 2)
    feed.live = True
    assert details.get(("p", 2)) is None
    feed.forget_everything()  # what the feed does when it listens again
    assert details.get(("p", 1)) is None


def test_an_unreadable_notification_forgets_everything() -> None:
    feed = _listening()
    details = feed.cache("detail", PROJECT_TABLES, per_project=True)
    details.keep(("p", 1), feed.stamp(), "one", 1)
    feed.on_notification("approvals:1,x")
    assert details.get(("p", 1)) is None


def test_a_full_cache_makes_room_by_forgetting_its_oldest_answer() -> None:
    feed = _listening()
    details = feed.cache("detail", PROJECT_TABLES, per_project=True, max_entries=3)
    for n in range(1, 5):
        details.keep(("p", n), feed.stamp(), n, n)
    assert [details.get(("p", n)) for n in range(1, 5)] == [None, 2, 3, 4]
    feed.on_notification("approvals:3")
    assert [details.get(("p", n)) for n in range(1, 5)] == [None, 2, None, 4]
