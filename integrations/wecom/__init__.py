"""WeCom (企业微信 / 政务微信) adapter: callbacks in, API calls out, behind the domain's port."""
