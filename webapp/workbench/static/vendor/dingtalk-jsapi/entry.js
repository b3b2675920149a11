// The pieces of dingtalk-jsapi the sign-in page needs, exposed as window.dd:
// the environment (dd.env, dd.ready) and the two ways to ask for a 免登 code.
var dd = require("dingtalk-jsapi/entry/union");
var requestAuthCode = require("dingtalk-jsapi/api/runtime/permission/requestAuthCode");
var getAuthCode = require("dingtalk-jsapi/api/union/getAuthCode");
window.dd = dd;
dd.runtime = dd.runtime || {};
dd.runtime.permission = dd.runtime.permission || {};
dd.runtime.permission.requestAuthCode = requestAuthCode.default || requestAuthCode;
dd.getAuthCode = getAuthCode.default || getAuthCode;
