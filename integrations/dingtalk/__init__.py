"""DingTalk (钉钉, and 专有钉钉 / 浙政钉 deployments) as a platform of the product."""
