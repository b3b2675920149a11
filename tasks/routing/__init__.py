"""Where work lands and who is accountable: intake rules, duty roster, leave, flags."""
