"""HTML of the sandbox chat page, DingTalk's look (inline CSS and JS, no external assets).

Every text from a message reaches the page through `textContent`, or as the HTML the
server rendered safely (`markdown.render_markdown`, `chat.card_html`)."""

PAGE_TEMPLATE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>钉钉沙箱 · 马上办</title>
<style>
* { box-sizing: border-box; }
body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", sans-serif; background: #f2f3f5; color: #171a1d; height: 100vh;
  display: flex; flex-direction: column; }
header { background: #1677ff; color: #fff; padding: 10px 16px; display: flex;
  align-items: center; gap: 16px; }
header h1 { font-size: 17px; margin: 0; font-weight: 600; }
header .meta { font-size: 12px; opacity: .85; }
main { flex: 1; display: flex; min-height: 0; }
nav { width: 220px; background: #fff; border-right: 1px solid #e5e6eb; overflow-y: auto; }
nav .dept { font-size: 12px; color: #86909c; padding: 10px 14px 4px; }
nav .person { padding: 8px 14px; cursor: pointer; font-size: 14px; display: flex; gap: 8px;
  align-items: center; }
nav .person.active { background: #e8f3ff; }
.avatar { width: 28px; height: 28px; border-radius: 6px; background: #1677ff; color: #fff;
  display: inline-flex; align-items: center; justify-content: center; font-size: 12px; }
section { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#title { background: #fff; padding: 10px 16px; border-bottom: 1px solid #e5e6eb;
  font-weight: 600; }
#messages { flex: 1; overflow-y: auto; padding: 16px; }
.message { display: flex; flex-direction: column; margin: 10px 0; max-width: 72%; }
.message.from-user { margin-left: auto; align-items: flex-end; }
.sender { font-size: 12px; color: #86909c; margin-bottom: 3px; }
.bubble { background: #fff; border-radius: 8px; padding: 8px 12px; white-space: pre-wrap;
  overflow-wrap: anywhere; line-height: 1.6; }
.from-user .bubble { background: #cce4ff; }
.bubble.md { white-space: normal; }
.md-h { font-weight: 600; } .md-quote { border-left: 3px solid #c9cdd4; padding-left: 8px;
  color: #4e5969; }
.card { background: #fff; border-radius: 8px; width: 360px; max-width: 100%;
  border: 1px solid #e5e6eb; overflow: hidden; }
.card-title { font-weight: 600; padding: 10px 12px; border-bottom: 1px solid #f2f3f5; }
.card-md { padding: 8px 12px; line-height: 1.7; font-size: 14px; }
.card-actions { display: flex; flex-wrap: wrap; gap: 8px; padding: 8px 12px 12px; }
.card-btn { flex: 1; min-width: 56px; border-radius: 6px; padding: 6px 8px; font-size: 14px;
  border: 1px solid #c9cdd4; background: #fff; cursor: pointer; }
.card-btn.primary { background: #1677ff; border-color: #1677ff; color: #fff; }
a.card-btn { text-align: center; text-decoration: none; color: #1677ff; }
a.card-btn.primary { color: #fff; }
.md-link { color: #1677ff; }
a:focus-visible { outline: 2px solid #1677ff; outline-offset: 2px; }
img.picture { max-width: 320px; border-radius: 6px; }
form { display: flex; gap: 8px; padding: 10px 16px; background: #fff;
  border-top: 1px solid #e5e6eb; }
#text { flex: 1; font-size: 15px; padding: 8px; border: 1px solid #c9cdd4;
  border-radius: 6px; }
form button { background: #1677ff; color: #fff; border: 0; border-radius: 6px;
  padding: 0 18px; font-size: 15px; }
#error { color: #f53f3f; font-size: 13px; padding: 0 16px; }
@media (max-width: 600px) {  /* a phone: the people above the conversation */
  header .meta { display: none; }
  main { flex-direction: column; }
  nav { width: auto; max-height: 28vh; border-right: 0; border-bottom: 1px solid #e5e6eb; }
  .message { max-width: 92%; }
  .card { width: 100%; }
  img.picture { max-width: 100%; }
  #messages { padding: 10px 12px; }
}
</style>
</head>
<body>
<header><h1>钉钉沙箱 · 马上办</h1>
<span class="meta">组织 {{ corp_id }} · 机器人 {{ robot_code }}</span></header>
<main>
<nav id="people">
{% for dept, people in groups %}
  <div class="dept">{{ dept.name }}</div>
  {% for person in people %}
  <div class="person" data-userid="{{ person.userid }}" data-name="{{ person.name }}">
    <span class="avatar">{{ person.name[-2:] }}</span><span>{{ person.name }}</span></div>
  {% endfor %}
{% endfor %}
</nav>
<section>
<div id="title">选择左侧成员，与「马上办」机器人单聊</div>
<div id="messages"></div>
<div id="error"></div>
<form id="send">
<input id="text" autocomplete="off" placeholder="输入消息，如：新建 周五前报送材料 @张伟">
<button type="submit">发送</button></form>
</section>
</main>
<script>
let current = null, currentName = "", shown = "";
const box = document.getElementById("messages");
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}
function render(messages) {
  const key = JSON.stringify(messages);
  if (key === shown) return;
  shown = key;
  box.replaceChildren();
  for (const m of messages) {
    const fromUser = m.from === "user";
    const row = el("div", "message " + (fromUser ? "from-user" : "from-app"));
    row.appendChild(el("div", "sender", fromUser ? currentName : "马上办"));
    if (m.msgtype === "card") {
      const card = el("div", "card");
      card.innerHTML = m.html || "";
      card.querySelectorAll("button.card-btn").forEach(b => b.addEventListener("click",
        () => post("click", {card_id: b.dataset.card, key: b.dataset.key})));
      row.appendChild(card);
    } else if (m.msgtype === "markdown") {
      const bubble = el("div", "bubble md");
      bubble.innerHTML = m.html || "";
      row.appendChild(bubble);
    } else if (m.msgtype === "image") {
      const img = el("img", "picture");
      img.src = "/sandbox/media/" + encodeURIComponent(m.media_id);
      row.appendChild(img);
    } else {
      const bubble = el("div", "bubble", m.html ? undefined : (m.content || ""));
      if (m.html) bubble.innerHTML = m.html;
      row.appendChild(bubble);
    }
    box.appendChild(row);
  }
  box.scrollTop = box.scrollHeight;
}
async function refresh() {
  if (!current) return;
  const answer = await fetch("/sandbox/chat/" + encodeURIComponent(current) + "/messages");
  if (answer.ok) render((await answer.json()).messages);
}
async function post(action, body) {
  if (!current) return;
  document.getElementById("error").textContent = "";
  try {
    const answer = await fetch("/sandbox/chat/" + encodeURIComponent(current) + "/" + action,
      {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok || data.status !== 200)
      document.getElementById("error").textContent = "未送达：" + (data.error || answer.status);
  } catch (e) {
    document.getElementById("error").textContent = "未送达：" + e;
  }
  refresh();
}
document.querySelectorAll(".person").forEach(p => p.addEventListener("click", () => {
  document.querySelectorAll(".person").forEach(q => q.classList.remove("active"));
  p.classList.add("active");
  current = p.dataset.userid; currentName = p.dataset.name; shown = "";
  document.getElementById("title").textContent = currentName + " 与 马上办";
  refresh();
}));
document.getElementById("send").addEventListener("submit", event => {
  event.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  post("send", {text});
});
setInterval(refresh, 1500);
</script>
</body>
</html>
"""
