"""The one exception the domain raises when a person may not do what they asked."""


class Refusal(Exception):
    """A request that is understood but not allowed now; its text is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
