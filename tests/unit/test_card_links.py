"""What each platform makes of a card's link to its task page and of the link buttons that
open the page's forms; links in texts; and the sandboxes drawing them safely."""

from dataclasses import replace

from integrations.dingtalk.cards import card_data
from integrations.dingtalk.sandbox.chat import card_html
from integrations.dingtalk.sandbox.markdown import render_text as dingtalk_text
from integrations.wecom.cards import template_card
from integrations.wecom.sandbox.cards import validate_card
from integrations.wecom.sandbox.markdown import render_text as wecom_text
from tasks.markup import markdown_link, plain_text, text_link, unlinked
from tasks.messaging.channel import Card, CardButton, CardField

PAGE = "https://mashangban.example.cn/m/tasks/12?p=wecom"
OFFER = Card(card_id="mt12-1-4", title="新任务 #12", subtitle="报送周报",
             fields=(CardField("提请人", "张伟"),),
             buttons=(CardButton("接办", "accept:12", primary=True),
                      CardButton("转办", "transfer:12", url=f"{PAGE}#transfer")),
             link=PAGE)


def test_wecom_opens_the_page_from_the_whole_card_a_link_row_and_a_link_button():
    card = validate_card(template_card(OFFER))
    assert card["card_action"] == {"type": 1, "url": PAGE}
    assert "jump_list" not in card, "not a field of the 按钮交互型 card"
    assert card["horizontal_content_list"][-1] == {
        "keyname": "详情", "value": "在工作台查看", "type": 1, "url": PAGE}
    full = template_card(replace(OFFER, fields=tuple(CardField(f"项{n}", "值")
                                                      for n in range(6))))
    assert len(full["horizontal_content_list"]) == 6 and full["card_action"]["url"] == PAGE
    assert card["button_list"] == [
        {"text": "接办", "style": 1, "key": "accept:12"},
        {"text": "转办", "style": 2, "type": 1, "url": f"{PAGE}#transfer"}]


def test_dingtalk_has_an_open_link_button_and_a_link_block_after_the_status():
    data = card_data(replace(OFFER, status=None))
    body, link, actions = data["contents"]
    assert link == {"type": "markdown", "id": "link", "text": f"[在工作台查看]({PAGE})"}
    assert [(a["actionType"], a.get("url")) for a in actions["actions"]] == [
        ("request", None), ("openLink", {"all": f"{PAGE}#transfer"})]
    greyed = card_data(replace(OFFER, status="已由李娜接办"))
    assert [b["id"] for b in greyed["contents"]] == ["body", "link"]
    assert greyed["contents"][0]["text"].endswith("**已由李娜接办**")


def test_a_card_round_trips_its_link_and_a_card_stored_before_links_still_reads():
    assert Card.from_dict(OFFER.to_dict()) == OFFER
    old = {"card_id": "c", "title": "t", "buttons": [["接办", "accept:1", True]]}
    assert Card.from_dict(old).link is None and Card.from_dict(old).buttons[0].url is None


def test_only_our_own_addresses_become_links():
    assert text_link(PAGE, "在工作台查看 #12") == f'<a href="{PAGE}">在工作台查看 #12</a>'
    assert markdown_link(PAGE, "#12") == f"[#12]({PAGE})"
    assert text_link('https://x.cn/"><script>', "看") == "看"
    assert markdown_link("javascript:alert(1)", "#1") == "#1"
    typed = plain_text('<a href="https://evil.example">点此</a>')
    assert unlinked(typed) == typed, "people's words never form a link"
    assert unlinked(f"已创建。\n详情：{text_link(PAGE, '在工作台查看 #12')}") == \
        f"已创建。\n详情：在工作台查看 #12：{PAGE}"


def test_the_sandboxes_draw_links_and_nothing_else():
    shown = wecom_text(f"详情：{text_link(PAGE, '在工作台查看 #12')}\n<b>粗</b>")
    assert f'<a class="md-link" href="{PAGE.replace("&", "&amp;")}" target="_blank"' in shown
    assert "&lt;b&gt;粗&lt;/b&gt;" in shown
    assert "<a" not in wecom_text('<a href="javascript:alert(1)">x</a>')
    assert "<a" not in wecom_text('<a href="https://x.cn" onclick="y">x</a>')
    assert dingtalk_text(f"看：{PAGE}") == (
        f'看：<a class="md-link" href="{PAGE}" target="_blank" rel="noopener">{PAGE}</a>')
    assert dingtalk_text("<script>https://x.cn</script>") == (
        '&lt;script&gt;<a class="md-link" href="https://x.cn" target="_blank" '
        'rel="noopener">https://x.cn</a>&lt;/script&gt;')
    drawn = card_html("c", card_data(OFFER))
    assert f'<a class="card-btn link normal" href="{PAGE}#transfer"' in drawn
    assert f'href="{PAGE}"' in drawn and 'data-key="accept:12"' in drawn
