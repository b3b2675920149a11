// 免登 inside the DingTalk client: ask the client for a code of our organisation and post
// it, with the sign-in's state, to the server, which trades it for the member's userid
// (integrations/dingtalk/signin.py). Outside the client, or when it refuses, say so and
// offer DingTalk's web login (the QR code) instead. Needs the vendored dingtalk-jsapi.
(function () {
  "use strict";
  var form = document.getElementById("jsapi-form");
  var status = document.getElementById("jsapi-status");
  var fallback = document.getElementById("jsapi-fallback");
  if (!form || !status) return;

  function fail(text) {
    status.textContent = text;
    status.setAttribute("role", "alert");
    if (fallback) fallback.hidden = false;
  }

  var corpId = form.getAttribute("data-corp-id") || "";
  if (!window.dd || !dd.env || dd.env.platform === "notInDingTalk") {
    fail("当前不在钉钉客户端内，无法免登。请用钉钉扫码登录。");
    return;
  }
  if (!corpId) {
    fail("未配置企业 CorpId，无法免登。请用钉钉扫码登录。");
    return;
  }
  dd.ready(function () {
    dd.runtime.permission.requestAuthCode({ corpId: corpId }).then(function (result) {
      if (!result || !result.code) {
        fail("钉钉没有给出免登授权码，请重试或扫码登录。");
        return;
      }
      form.elements.code.value = result.code;
      form.submit();
    }, function (error) {
      var why = error && (error.errorMessage || error.message) ? "（" +
        (error.errorMessage || error.message) + "）" : "";
      fail("钉钉免登失败" + why + "，请重试或扫码登录。");
    });
  });
})();
