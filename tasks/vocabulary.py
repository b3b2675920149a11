"""Words the whole domain shares, below both the storage models and the chat language.

They are data, not behaviour: the language reads them out of chat text, the models store
them, and the presentation shows them, so none of those may own them.
"""

# 好差评: the five rating levels, best first; a card button's detail is the 1-based index.
RATING_LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")

# The levels that count as a bad rating (差评): they ask for a reason and raise 办而不力.
BAD_LEVELS = ("不满意", "非常不满意")

# Flags raised to supervisors, each once per task and cause.
FLAG_LABELS = {
    "buck_passing": "推诿扯皮",
    "idle": "领而不办",
    "poor_work": "办而不力",
    "holder_left": "承办人离开",
}

# 周一 … 周日, indexed by date.weekday().
WEEKDAY_NAMES = "一二三四五六日"
