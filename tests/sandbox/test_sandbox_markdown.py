"""The chat page shows WeCom markdown as the WeCom client does, and never a message's HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from integrations.wecom.sandbox.markdown import render_markdown


class Shown(HTMLParser):
    """What a browser builds from the HTML: the elements with their classes, and the text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text = ""
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data

    def tags(self) -> set[str]:
        return {tag for tag, _ in self.elements}

    def classes(self) -> set[str]:
        return {c for _, attrs in self.elements for c in (attrs.get("class") or "").split()}


def test_quote_lines_render_as_one_quote_block_without_their_markers() -> None:
    shown = Shown(render_markdown("**我的待办**（共 1 项）\n> #1 起草年度工作总结\n> 待接办｜普通"))
    assert "blockquote" in shown.tags() and "strong" in shown.tags()
    assert ">" not in shown.text and "**" not in shown.text
    assert [tag for tag, _ in shown.elements].count("blockquote") == 1
    assert "#1 起草年度工作总结待接办｜普通" in shown.text


@pytest.mark.parametrize("colour", ["info", "comment", "warning"])
def test_the_three_font_colours_become_coloured_text(colour: str) -> None:
    shown = Shown(render_markdown(f'期限 <font color="{colour}">明天 17:00</font>'))
    assert f"md-{colour}" in shown.classes()
    assert shown.text == "期限 明天 17:00"


def test_links_headings_bold_and_code() -> None:
    shown = Shown(render_markdown("## 本周小结\n详见 [督办台账](https://example.org/a?b=1&c=2)\n"
                                  "`接办 #12` 或 **办结**"))
    links = [attrs for tag, attrs in shown.elements if tag == "a"]
    assert links == [{"class": "md-link", "href": "https://example.org/a?b=1&c=2",
                      "target": "_blank", "rel": "noopener noreferrer"}]
    assert {"md-h2", "md-code"} <= shown.classes() and "strong" in shown.tags()
    assert shown.text == "本周小结详见 督办台账接办 #12 或 办结"


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<font color="red" onmouseover="alert(1)">x</font>',
    '[点我](javascript:alert(1))',
    '[x](https://a.b/" onclick="alert(1))',
    '<a href="https://evil.example">x</a>',
    "&lt;b&gt;",
])
def test_no_markup_from_the_message_reaches_the_page(hostile: str) -> None:
    shown = Shown(render_markdown(f"> {hostile}\n**{hostile}**"))
    assert shown.tags() <= {"div", "blockquote", "strong", "br", "a"}
    assert all(set(attrs) <= {"class", "href", "target", "rel"} for _, attrs in shown.elements)
    assert all((attrs.get("href") or "https://").startswith("https://")
               and '"' not in (attrs.get("href") or "") for _, attrs in shown.elements)
    assert hostile in shown.text  # shown as the characters that were sent


def test_zero_width_keys_do_not_hide_the_markup() -> None:
    shown = Shown(render_markdown("\u200b\u200d> 引用\n\ufeff# 标题\n正文\u2060"))
    assert {"blockquote", "div"} <= shown.tags() and "md-h1" in shown.classes()
    assert shown.text == "引用标题正文"


def test_full_width_brackets_stay_text() -> None:
    shown = Shown(render_markdown("交办 ［起草］（https://x.y） ＜font color=\"info\"＞"))
    assert "a" not in shown.tags() and "span" not in shown.tags()
    assert shown.text == "交办 ［起草］（https://x.y） ＜font color=\"info\"＞"
