/* The task pages without round trips, where JavaScript runs: the person/department picker
   searches the directory as one types (GET /api/v1/directory), and the new-task form
   previews the language as one types (POST /api/v1/interpret). Everything here has a
   no-script equivalent on the server (the 查找 and 预览 buttons). */
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* ---- the picker ------------------------------------------------------------------- */
  function picker(input) {
    var box = document.getElementById(input.getAttribute("data-picker"));
    if (!box) { return; }
    var radios = box.tagName === "FIELDSET";
    var search = debounce(function () {
      var q = input.value.trim();
      if (!q) { return; }
      fetch("/api/v1/directory?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {choices: []}; })
        .then(function (data) { show(data.choices || []); })
        .catch(function () {});
    }, 250);
    function show(choices) {
      var legend = box.querySelector("legend");
      box.textContent = "";
      if (legend) { box.appendChild(legend); }
      if (!choices.length) {
        box.appendChild(el("p", {"class": "hint"}, "没有找到，请换个写法。"));
        if (radios) {
          box.appendChild(el("input", {type: "text", name: "to", placeholder: "姓名或部门全称",
                                       "aria-label": "人员或部门"}));
        }
        return;
      }
      choices.forEach(function (choice, i) {
        var label = el("label", {"class": "choice"});
        if (radios) {
          var radio = el("input", {type: "radio", name: "to", value: choice.ref});
          if (i === 0) { radio.checked = true; }
          label.appendChild(radio);
          label.appendChild(document.createTextNode(" " + choice.label));
        } else {
          var button = el("button", {type: "button", "class": "btn choice-btn"}, choice.label);
          button.addEventListener("click", function () {
            input.value = choice.ref;
            box.textContent = "";
            input.dispatchEvent(new Event("change"));
          });
          label = button;
        }
        box.appendChild(label);
      });
    }
    input.addEventListener("input", search);
    if (radios && input.form) {  // the live list replaces the 查找 round trip
      input.form.addEventListener("submit", function (e) { e.preventDefault(); search(); });
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-picker]"), picker);

  /* ---- the new-task preview --------------------------------------------------------- */
  var form = document.getElementById("new-form");
  if (!form) { return; }
  var live = document.getElementById("live-preview");
  var roles = {verb: "指令", names: "承办人", deadline: "期限", progress: "汇报",
               title: "内容", number: "编号", kind: "类型"};

  function body() {
    var data = {mode: form.elements.mode.value};
    ["text", "title", "to", "date", "time", "deadline", "kind"].forEach(function (name) {
      if (form.elements[name]) { data[name] = form.elements[name].value; }
    });
    return data;
  }

  function render(p) {
    var card = el("section", {"class": "card preview", id: "preview", "aria-live": "polite"});
    card.appendChild(el("h2", {"class": "section-title"}, "预览：聊天中这样理解"));
    if (p.spans && p.spans.length && p.text) {
      var line = el("p", {"class": "spans"});
      p.spans.forEach(function (s) {
        var span = el("span", {"class": "span span-" + s.role}, p.text.slice(s.start, s.end));
        if (roles[s.role]) { span.title = roles[s.role]; }
        line.appendChild(span);
      });
      card.appendChild(line);
    }
    if (p.outcome === "create") {
      if (p.reply) { card.appendChild(el("p", {"class": "hint"}, "没有写指令，按新建任务理解。")); }
      var facts = el("dl", {"class": "facts"});
      var holders = p.holders.map(function (h) { return h.label || h.written; }).join("、");
      [["内容", p.title, "pv-title"], ["承办", holders || p.holders_note, "pv-holders"],
       ["期限", p.deadline_shown || "—", "pv-deadline"],
       ["类型", p.kind_label + (p.kind_inferred ? "（按内容判断）" : ""), "pv-kind"]]
        .forEach(function (row) {
          facts.appendChild(el("dt", {}, row[0]));
          facts.appendChild(el("dd", {"class": row[2]}, row[1]));
        });
      card.appendChild(facts);
      (p.notes || []).forEach(function (n) { card.appendChild(el("p", {"class": "hint"}, n)); });
      (p.problems || []).forEach(function (n) {
        card.appendChild(el("p", {"class": "flash flash-error problem", role: "alert"}, n));
      });
    } else {
      card.appendChild(el("p", {"class": "flash flash-error problem", role: "alert"}, p.reply));
    }
    live.textContent = "";
    live.appendChild(card);
    createButton(p);
  }

  function createButton(p) {
    var buttons = form.querySelector(".buttons");
    var button = document.getElementById("create-button");
    var seen = form.elements.deadline_seen;
    if (!p.can_create) {
      if (button) { button.remove(); }
      return;
    }
    if (!button) {
      button = el("button", {type: "submit", name: "do", value: "create",
                             "class": "btn btn-primary", id: "create-button"}, "创建");
      buttons.appendChild(button);
    }
    if (!seen) {
      seen = el("input", {type: "hidden", name: "deadline_seen"});
      form.appendChild(seen);
    }
    seen.value = p.deadline || "";
  }

  var update = debounce(function () {
    var data = body();
    if (data.mode === "text" ? !data.text.trim() : !data.title.trim()) { return; }
    fetch("/api/v1/interpret", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
      body: JSON.stringify(data)
    }).then(function (r) { return r.json(); })
      .then(function (p) { if (p && p.outcome) { render(p); } })
      .catch(function () {});
  }, 400);
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
