"""What can go wrong with TMDb, each error saying what to do about it (never the token)."""


class TMDbError(RuntimeError):
    """Base class of every error the client raises on purpose."""


class TMDbAuthError(TMDbError):
    """The token is missing or rejected (HTTP 401): retrying cannot help."""


class TMDbRequestError(TMDbError):
    """TMDb refused the request itself (4xx other than 401/404/429)."""


class TMDbUnavailableError(TMDbError):
    """TMDb could not be reached or kept failing after every retry."""


class TMDbPayloadError(TMDbError):
    """TMDb answered 200 with a body that is not the JSON expected."""


class TMDbRateLimitedError(TMDbUnavailableError):
    """TMDb kept answering 429 after every retry: the client is over the API's limit."""


class TMDbIncompleteError(TMDbError):
    """A discover capture stayed incomplete (short or missing pages) after its refetches."""


class Retryable(Exception):
    """A response or connection error worth asking again (429, 5xx, timeouts, resets)."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        status: int | None = None,
        body: str | None = None,
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status
        self.body = body


class TMDbStopped(TMDbError):
    """The run was stopped (SIGTERM, SIGINT, the UI): the client asks nothing more."""
