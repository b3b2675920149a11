"""What the assistant says: reply texts and task cards, kept apart from the rules that pick them."""
