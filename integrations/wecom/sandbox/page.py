"""HTML of the sandbox chat page (inline CSS and JS, no external assets)."""

PAGE_TEMPLATE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>企业微信沙箱 · 马上办</title>
<style>
* { box-sizing: border-box; }
body { margin: 0; font-family: -apple-system, "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; background: #eef0f3; color: #222;
  height: 100vh; height: 100dvh; display: flex; flex-direction: column; }
header { background: #2b6fd6; color: #fff; padding: 8px 16px; display: flex;
  flex-wrap: wrap; align-items: center; gap: 4px 16px; }
header h1 { font-size: 17px; margin: 0; font-weight: 600; white-space: nowrap; }
header .meta { font-size: 12px; opacity: .8; white-space: nowrap; }
.member { display: flex; align-items: center; gap: 8px; margin-left: auto; min-width: 0;
  font-size: 14px; }
.member label { white-space: nowrap; }
#member-select { font-size: 14px; padding: 4px 6px; border-radius: 4px; border: 0;
  min-width: 0; max-width: 100%; }
#messages { flex: 1; overflow-y: auto;
  padding: 16px max(16px, calc((100% - 880px) / 2)); }
.empty { color: #888; text-align: center; margin: 48px auto 0; max-width: 420px;
  line-height: 1.8; font-size: 14px; }
.empty-title { font-size: 16px; color: #666; }
.empty strong { color: #2b6fd6; }
.suggestions { display: flex; flex-wrap: wrap; justify-content: center; gap: 8px;
  margin-top: 12px; }
.suggestion { border: 1px solid #c9d6ea; background: #fff; color: #2b6fd6;
  border-radius: 16px; padding: 4px 12px; font-size: 13px; cursor: pointer; }
.message { display: flex; flex-direction: column; margin: 10px 0; max-width: 72%; }
.message.from-app { align-items: flex-start; }
.message.from-member { align-items: flex-end; margin-left: auto; }
.message.template_card { width: 400px; max-width: 100%; }
.sender { font-size: 12px; color: #888; margin-bottom: 3px; }
.bubble { background: #fff; border-radius: 6px; padding: 8px 12px; white-space: pre-wrap;
  overflow-wrap: anywhere; line-height: 1.6; box-shadow: 0 1px 1px rgba(0,0,0,.05);
  max-width: 100%; }
.from-member .bubble { background: #c9e7ff; }
.bubble.markdown { white-space: normal; }
.md-quote { margin: 4px 0; padding: 2px 0 2px 10px; border-left: 3px solid #d5d9de;
  color: #666; }
.md-h { font-weight: 600; margin: 2px 0; }
.md-h1 { font-size: 1.3em; } .md-h2 { font-size: 1.2em; } .md-h3 { font-size: 1.1em; }
.md-info { color: #07a65a; } .md-comment { color: #999; } .md-warning { color: #f0612d; }
.md-link { color: #2b6fd6; }
.md-code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em;
  background: #f1f3f5; border-radius: 3px; padding: 0 4px; }
.bubble img.chat-image { display: block; max-width: 100%; }
.card { background: #fff; border-radius: 8px; padding: 12px 14px; width: 100%;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); border: 1px solid #e3e6ea; overflow-wrap: anywhere; }
.card-source { font-size: 12px; color: #888; margin-bottom: 6px; }
.card-title { font-size: 16px; font-weight: 600; }
.card-desc, .card-subtitle, .card-quote, .card-jump { font-size: 13px; color: #666;
  margin-top: 4px; white-space: pre-wrap; }
.card-quote { border-left: 3px solid #ddd; padding-left: 8px; }
.card-emphasis { font-size: 22px; color: #2b6fd6; margin: 6px 0; }
.card-row { display: flex; gap: 10px; font-size: 13px; margin-top: 4px; }
.card-key { color: #888; min-width: 64px; flex-shrink: 0; }
.card-value { min-width: 0; }
.card-question { margin-top: 8px; font-size: 13px; }
.card-question select { max-width: 100%; }
.card-option { display: block; margin: 2px 0; }
.card-buttons { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 12px; }
.card button { flex: 1 1 auto; padding: 6px 8px; border-radius: 4px; white-space: nowrap;
  border: 1px solid #2b6fd6; background: #fff; color: #2b6fd6; cursor: pointer;
  font-size: 13px; }
.card button.style-1, .card a.link-button.style-1 { background: #2b6fd6; color: #fff; }
.card a.link-button { flex: 1 1 auto; padding: 6px 8px; border-radius: 4px;
  white-space: nowrap; border: 1px solid #2b6fd6; background: #fff; color: #2b6fd6;
  font-size: 13px; text-align: center; text-decoration: none; }
.card a.card-title { display: block; color: inherit; text-decoration: none; }
.card a.card-jump, .card a.card-link { color: #2b6fd6; text-decoration: none; }
.card a.card-jump { display: block; }
.card a:focus-visible { outline: 2px solid #2b6fd6; outline-offset: 2px; }
.card button.style-3 { border-color: #d9534f; color: #d9534f; }
.card button:disabled { background: #f1f1f1; color: #aaa; border-color: #ddd;
  cursor: not-allowed; }
.card-status { margin-top: 8px; text-align: center; color: #999; font-size: 13px; }
footer { display: flex; gap: 8px; padding: 10px max(16px, calc((100% - 880px) / 2));
  background: #f7f7f7; border-top: 1px solid #ddd; }
#message-input { flex: 1; min-width: 0; padding: 8px 10px; font-size: 15px;
  border: 1px solid #ccc; border-radius: 4px; }
#send-button { padding: 8px 20px; font-size: 14px; background: #2b6fd6; color: #fff;
  border: 0; border-radius: 4px; cursor: pointer; white-space: nowrap; }
#send-button:disabled { background: #9bb7e3; }
#status { font-size: 12px; color: #666; background: #f7f7f7; overflow-wrap: anywhere;
  padding: 4px max(16px, calc((100% - 880px) / 2)); border-top: 1px solid #e6e6e6; }
#status:empty { display: none; }
@media (max-width: 600px) {
  header { padding: 8px 12px; }
  header .meta { display: none; }
  .member { margin-left: 0; flex-basis: 100%; }
  #member-select { flex: 1; }
  #messages { padding: 10px 12px; }
  .message { max-width: 88%; }
  footer { padding: 8px 12px; }
  #message-input { font-size: 16px; }
  #send-button { padding: 8px 14px; }
}
</style>
</head>
<body>
<header>
  <h1>企业微信沙箱 · 马上办</h1>
  <span class="meta">企业 {{ corp_id }} · 应用 {{ agent_id }}</span>
  <div class="member">
  <label for="member-select">当前成员</label>
  <select id="member-select">
  {% for dept, members in groups %}{% if members %}
    <optgroup label="{{ dept.name }}">
    {% for m in members %}
      <option value="{{ m.userid }}">{{ m.name }} · {{ m.position }} · {{ m.userid }}</option>
    {% endfor %}
    </optgroup>
  {% endif %}{% endfor %}
  </select>
  </div>
</header>
<main id="messages"></main>
<div id="status"></div>
<footer>
  <input id="message-input" type="text" placeholder="输入消息，回车发送" autocomplete="off">
  <button id="send-button" type="button">发送</button>
</footer>
<script>
{% raw %}
const sel = document.getElementById('member-select');
const list = document.getElementById('messages');
const input = document.getElementById('message-input');
const sendBtn = document.getElementById('send-button');
const statusEl = document.getElementById('status');
let shown = {user: null, json: null};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function userPath(action) {
  return '/sandbox/chat/' + encodeURIComponent(sel.value) + '/' + action;
}

async function post(url, body) {
  try {
    const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body)});
    return await r.json();
  } catch (e) {
    return {status: 0, error: '无法连接沙箱：' + e};
  }
}

function showStatus(res) {
  if (res.error) statusEl.textContent = res.error;
  else if (res.status === 200) statusEl.textContent = '已送达应用回调（HTTP 200）';
  else statusEl.textContent = '应用回调返回 HTTP ' + res.status;
}

function questionBox(q) {
  const box = el('div', 'card-question');
  box.dataset.question = q.question_key || '';
  if (q.title) box.appendChild(el('div', 'card-key', q.title));
  return box;
}

function appendQuestions(card, msg) {
  const c = msg.card || {};
  if (c.checkbox) {
    const box = questionBox(c.checkbox);
    (c.checkbox.option_list || []).forEach(function (o) {
      const label = el('label', 'card-option');
      const inp = document.createElement('input');
      inp.type = c.checkbox.mode === 1 ? 'checkbox' : 'radio';
      inp.name = 'q-' + msg.id + '-' + box.dataset.question;
      inp.value = o.id; inp.checked = !!o.is_checked; inp.disabled = !!msg.disabled;
      label.appendChild(inp); label.appendChild(document.createTextNode(' ' + (o.text || '')));
      box.appendChild(label);
    });
    card.appendChild(box);
  }
  const selects = (c.select_list || []).concat(c.button_selection ? [c.button_selection] : []);
  selects.forEach(function (s) {
    const box = questionBox(s);
    const select = document.createElement('select');
    select.disabled = !!msg.disabled;
    (s.option_list || []).forEach(function (o) {
      const op = el('option', null, o.text || '');
      op.value = o.id; op.selected = o.id === s.selected_id;
      select.appendChild(op);
    });
    box.appendChild(select);
    card.appendChild(box);
  });
}

function selectedItems(card) {
  return Array.from(card.querySelectorAll('.card-question')).map(function (q) {
    const ids = Array.from(q.querySelectorAll('input:checked, select')).map(i => i.value);
    return {question_key: q.dataset.question, option_ids: ids};
  }).filter(i => i.option_ids.length > 0);
}

async function clickCard(msg, key, card) {
  const res = await post(userPath('click'), {task_id: msg.task_id, key: key,
    selected_items: selectedItems(card)});
  if (res.url) window.open(res.url, '_blank');
  showStatus(res);
  refresh();
}

function isWebAddress(url) {
  return typeof url === 'string' && /^https?:[/][/]/.test(url);
}

// A link (a type 1 button, a jump line, the card's own card_action): WeCom opens its page
// in its browser, where the product signs in the member; here it opens in a new tab.
function cardLink(cls, text, url) {
  const a = el('a', cls, text);
  a.href = url; a.target = '_blank'; a.rel = 'noopener';
  return a;
}

function cardButton(msg, b, key) {
  if (b.type === 1 && isWebAddress(b.url) && !msg.disabled) {
    return cardLink('card-button link-button style-' + (b.style || 1), b.text || '', b.url);
  }
  const btn = el('button', 'card-button style-' + (b.style || 1), b.text || '');
  btn.type = 'button';
  btn.dataset.key = key;
  btn.disabled = !!msg.disabled || !msg.task_id;
  btn.addEventListener('click', () => clickCard(msg, key, btn.closest('.card')));
  return btn;
}

function cardHeader(card, c) {
  if (c.source && c.source.desc) card.appendChild(el('div', 'card-source', c.source.desc));
  const mt = c.main_title || {};
  const action = c.card_action || {};
  if (mt.title && action.type === 1 && isWebAddress(action.url)) {
    card.appendChild(cardLink('card-title', mt.title, action.url));
  } else if (mt.title) card.appendChild(el('div', 'card-title', mt.title));
  if (mt.desc) card.appendChild(el('div', 'card-desc', mt.desc));
  const em = c.emphasis_content;
  if (em && em.title) card.appendChild(el('div', 'card-emphasis', em.title));
  if (em && em.desc) card.appendChild(el('div', 'card-desc', em.desc));
  const quote = c.quote_area;
  if (quote && (quote.title || quote.quote_text)) {
    card.appendChild(el('div', 'card-quote', [quote.title, quote.quote_text]
      .filter(Boolean).join('\\n')));
  }
  if (c.sub_title_text) card.appendChild(el('div', 'card-subtitle', c.sub_title_text));
  (c.horizontal_content_list || []).forEach(function (row) {
    const r = el('div', 'card-row');
    r.appendChild(el('span', 'card-key', row.keyname || ''));
    if (row.type === 1 && isWebAddress(row.url)) {
      r.appendChild(cardLink('card-value card-link', row.value || '', row.url));
    } else r.appendChild(el('span', 'card-value', row.value || row.userid || ''));
    card.appendChild(r);
  });
}

function renderCard(msg) {
  const c = msg.card || {};
  const card = el('div', 'card' + (msg.disabled ? ' disabled' : ''));
  card.dataset.taskId = msg.task_id || '';
  card.dataset.cardType = c.card_type || '';
  cardHeader(card, c);
  appendQuestions(card, msg);
  const buttons = el('div', 'card-buttons');
  (c.button_list || []).forEach(b => buttons.appendChild(cardButton(msg, b, b.key || b.url || '')));
  if (c.submit_button) buttons.appendChild(cardButton(msg, c.submit_button, c.submit_button.key));
  if (buttons.children.length) card.appendChild(buttons);
  if (msg.disabled) card.appendChild(el('div', 'card-status', msg.replace_text || '已处理'));
  (c.jump_list || []).forEach(function (j) {
    if (j.type === 1 && isWebAddress(j.url)) card.appendChild(
      cardLink('card-jump', '› ' + (j.title || ''), j.url));
    else card.appendChild(el('div', 'card-jump', '› ' + (j.title || '')));
  });
  return card;
}

function renderMessage(m) {
  const mine = m.from === 'member';
  const row = el('div', 'message ' + m.msgtype + (mine ? ' from-member' : ' from-app'));
  row.dataset.id = m.id;
  row.dataset.msgtype = m.msgtype;
  const who = mine ? sel.options[sel.selectedIndex].text.split(' · ')[0] : '马上办';
  row.appendChild(el('div', 'sender', who));
  if (m.msgtype === 'template_card') {
    row.appendChild(renderCard(m));
  } else if (m.msgtype === 'image') {
    const bubble = el('div', 'bubble image');
    const img = el('img', 'chat-image');
    img.src = '/sandbox/media/' + encodeURIComponent(m.media_id || '');
    img.alt = '图片';
    bubble.appendChild(img);
    row.appendChild(bubble);
  } else {
    const bubble = el('div', 'bubble ' + m.msgtype);
    // The sandbox renders WeCom's markdown subset on the server from escaped text
    // (markdown.py): the HTML it sends holds only its own tags, never the message's.
    if ((m.msgtype === 'markdown' || m.msgtype === 'text') && typeof m.html === 'string') {
      bubble.innerHTML = m.html;
    }
    else bubble.textContent = m.content || '';
    row.appendChild(bubble);
  }
  return row;
}

const SUGGESTIONS = ['帮助', '新建 起草年度工作总结 @李娜 3天内', '我的', '值班'];

function emptyHint() {
  const box = el('div', 'empty');
  box.appendChild(el('div', 'empty-title', '还没有消息'));
  box.appendChild(document.createTextNode('发送'));
  box.appendChild(el('strong', null, '「帮助」'));
  box.appendChild(document.createTextNode('开始，或点一条填入输入框：'));
  const chips = el('div', 'suggestions');
  SUGGESTIONS.forEach(function (text) {
    const chip = el('button', 'suggestion', text);
    chip.type = 'button';
    chip.addEventListener('click', function () { input.value = text; input.focus(); });
    chips.appendChild(chip);
  });
  box.appendChild(chips);
  return box;
}

function render(messages) {
  list.replaceChildren();
  if (!messages.length) list.appendChild(emptyHint());
  messages.forEach(m => list.appendChild(renderMessage(m)));
  list.scrollTop = list.scrollHeight;
}

async function refresh() {
  const user = sel.value;
  if (!user) return;
  try {
    const r = await fetch(userPath('messages'));
    const data = await r.json();
    const json = JSON.stringify(data.messages || []);
    if (user !== sel.value || (user === shown.user && json === shown.json)) return;
    shown = {user: user, json: json};
    render(data.messages || []);
  } catch (e) {
    statusEl.textContent = '无法连接沙箱';
  }
}

async function send() {
  const text = input.value;
  if (!text.trim()) return;
  input.value = '';
  sendBtn.disabled = true;
  const pending = post(userPath('send'), {text: text});
  setTimeout(refresh, 100);
  const res = await pending;
  sendBtn.disabled = false;
  showStatus(res);
  refresh();
}

sendBtn.addEventListener('click', send);
input.addEventListener('keydown', function (e) {
  if (e.key === 'Enter' && !e.isComposing) send();
});
// The app is "signed in" as the chosen member: the sandbox's OAuth page reads this cookie
// (integrations/sandbox_kit/oauth.py), as WeCom's knows who uses the app.
function signInAs(userid) {
  document.cookie = 'sandbox_member=' + encodeURIComponent(userid) + '; path=/; SameSite=Lax';
}
sel.addEventListener('change', function () {
  const url = new URL(window.location.href);
  url.searchParams.set('user', sel.value);
  history.replaceState(null, '', url);
  statusEl.textContent = '';
  signInAs(sel.value);
  refresh();
});
const wanted = new URLSearchParams(window.location.search).get('user');
if (wanted && Array.from(sel.options).some(o => o.value === wanted)) sel.value = wanted;
signInAs(sel.value);
refresh();
setInterval(refresh, 1000);
{% endraw %}
</script>
</body>
</html>
"""
