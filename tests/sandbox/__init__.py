"""Tests of the WeCom sandbox (fake WeCom)."""
