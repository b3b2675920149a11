"""What leaves the outbox besides chat replies, as the recipient gets it: pictures (a
summary's chart) and posts to a department's group chat."""

from tasks.messaging.outbox import queue_group_image, queue_group_markdown, queue_image

PNG = b"\x89PNG\r\n\x1a\n" + b"chart"


def test_a_picture_reaches_the_person(office):
    with office.sessions.begin() as session:
        queue_image(session, "zhangwei", PNG, now=office.clock())
    office.deliver()

    [received] = office.channel.received
    assert (received.kind, received.to, received.image) == ("image", "zhangwei", PNG)


def test_group_posts_go_to_the_group_not_to_a_person(office):
    with office.sessions.begin() as session:
        queue_group_markdown(session, "robot-key-1", "**秘书科日报**", now=office.clock())
        queue_group_image(session, "robot-key-1", PNG, now=office.clock())
    office.deliver()

    posts = office.channel.group_posts("robot-key-1")
    assert [(p.kind, p.text, p.image) for p in posts] == [
        ("group_markdown", "**秘书科日报**", b""), ("group_image", "", PNG)]
    assert all(r.to == "robot-key-1" for r in office.channel.received)
