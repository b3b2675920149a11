"""Natural requests: work asked for without a verb, read as a 新建 to be confirmed.

`@李娜 帮我把这个事情跟进一下 周五前`, `李娜，麻烦把会议纪要整理一下 明天下班前`,
`这份材料交给王芳办`: a message with no leading verb is a request when it names who should
do it (an @mention, or a name the directory knows as exactly one active person, at the
start or after 交给/让/请) and clearly asks for work (a request word, `把…发我`, `交给…办`,
or a deadline). Its request words are stripped and the body is read by the 新建 verb's own
grammar (called, not copied), so a request means what the same words mean after 新建.
"""

import re
from typing import TYPE_CHECKING, Protocol

from tasks.language.deadlines import find_deadline
from tasks.language.grammar import MENTION, NAME_STOP, Misread
from tasks.markup import plain_text
from tasks.verbs.create import CreateTask

if TYPE_CHECKING:  # the registry discovers this module: no import at load time
    from tasks.verbs.registry import Registry


class Directory(Protocol):
    def people_named(self, written: str) -> tuple[str, ...]: ...


_CJK_NAME = r"[\u4e00-\u9fff·]{2,4}"
# Words that ask for work; stripped from the front of the body (repeatedly).
_REQUEST_LEAD = re.compile(
    r"^(?:麻烦你?|请你?|帮我|帮忙|帮|劳驾|辛苦你?|需要你|你来|抓紧|赶紧|把|将)\s*")
_REQUEST_WORD = re.compile(r"请|麻烦|帮我|帮忙|劳驾|辛苦|需要你|你来|负责|把.+发(?:给)?我|交给.+办")
# Politeness and softeners at the end (or before a deadline) that say nothing of the work.
_POLITE_TAIL = re.compile(r"(?:\s*(?:一下|下|吧|哈|啊|呀|哦|谢谢|多谢|辛苦了|感谢|🙏|~|!|。|,))+$")
_SOFTENER = re.compile(r"一下(?=$|[\s,;:。!?])")
_HAND_TO = re.compile(rf"(?:交给|让|请|由|麻烦)\s*(?P<name>{_CJK_NAME}?)"
                      r"(?=来|去|办|处理|负责|把|帮|[\s,;:、。!?]|$)")
_NAME_AFTER_MENTION = re.compile(
    rf"(?P<before>@[^{NAME_STOP}]+(?:\s*[、,和及]\s*|\s+))(?P<name>[^{NAME_STOP}0-9]{{2,4}})"
    r"(?=$|[\s@,、;:。!?])")


def with_marked_names(text: str, directory: Directory) -> str:
    """`@李娜 王芳 明天` → `@李娜 @王芳 明天`: a word right after a mention that the directory
    knows as a person's name is another holder, not the start of the title."""
    position = 0
    while True:
        match = _NAME_AFTER_MENTION.search(text, position)
        if match is None:
            return text
        name = match["name"]
        if directory.people_named(name):
            text = text[: match.start("name")] + "@" + text[match.start("name") :]
            position = match.start("name")
        else:
            position = match.end("before")


def read_request(text: str, directory: Directory, registry: "Registry"
                 ) -> CreateTask | str | None:
    """The 新建 a verbless message asks for, a refusal (str) when it is a request whose
    holder cannot be told, or None when it does not ask for work."""
    if not text or MENTION.sub("", text).strip() == "":
        return None
    names = [m.group(1) for m in MENTION.finditer(text) if m.group(1)]
    body = MENTION.sub(" ", text)
    leading = _leading_name(body, directory)
    if isinstance(leading, str):
        return leading
    if leading is not None:
        names.append(leading[0])
        body = body[leading[1]:]
    for match in _HAND_TO.finditer(body):
        if match["name"] and len(directory.people_named(match["name"])) == 1:
            names.append(match["name"])
            tail = re.match(r"(?:来|去)?(?:办理|办|处理|负责)?", body[match.end("name"):])
            end = match.end("name") + (tail.end() if tail else 0)
            body = body[: match.start()] + " " + body[end:]
            break
    if not names or not _asks_for_work(text, body):
        return None
    mentions = " ".join(f"@{name}" for name in dict.fromkeys(names))
    command = registry.parse(f"新建 {_body(body)} {mentions}")
    return command if isinstance(command, CreateTask) else None


def _leading_name(body: str, directory: Directory) -> tuple[str, int] | str | None:
    """`李娜，…` / `李娜 麻烦…`: a name opening the message and where the rest starts, or
    the refusal (str) for a name several active people bear."""
    stripped = body.lstrip()
    offset = len(body) - len(stripped)
    for size in (4, 3, 2):
        word = stripped[:size]
        if len(word) < size or not re.fullmatch(_CJK_NAME, word):
            continue
        after = stripped[size:]
        if not re.match(r"[\s,;:、。]|麻烦|请|帮|你|把|抓紧", after):
            continue
        people = directory.people_named(word)
        if len(people) == 1:
            return word, offset + size
        if len(people) > 1:
            listed = "；".join(people)
            return f"通讯录中有{len(people)}位「{word}」（{listed}），请用 @ 写明是哪一位"
    return None


def _asks_for_work(text: str, body: str) -> bool:
    if _REQUEST_WORD.search(text):
        return True
    try:
        return find_deadline(body) is not None
    except Misread:
        return False


def _body(body: str) -> str:
    """The request without its request words and softeners, for 新建's grammar."""
    body = body.strip(" ,;:、。")
    while True:
        shorter = _REQUEST_LEAD.sub("", body)
        if shorter == body:
            break
        body = shorter
    body = _SOFTENER.sub("", body)
    return _POLITE_TAIL.sub("", body).strip(" ,;:、。")


def explained(request: CreateTask) -> str:
    """One line saying how the request was read, for the preview and the card's caption."""
    holders = plain_text("、".join(request.assignees))
    deadline = plain_text(request.deadline_text) if request.deadline_text else "按类型的默认期限"
    return (f"这条消息没有写指令，按新建任务理解：{plain_text(request.title)}，承办人 {holders}，"
            f"期限 {deadline}。请在卡片上点「创建」确认，不会自动创建。")
