"""What `python -m prep` exits with, and the error every unusable input becomes.

Each failure is one line, `prep: <what>: <why>`, naming the offending file,
column, key, bucket or endpoint; no input ends in a traceback."""

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug of prep itself: the message asks for a report
EXIT_BAD_INPUT = 2  # bad arguments or config, or an input that cannot be read
EXIT_INVALID_DATA = 3  # data that was read but fails a rule: parse-failure threshold, minimums

EXIT_CODES_HELP = """exit codes:
  0  exported, or already exported with the same content
  1  an internal error of prep (a bug: please report it; PREP_TRACEBACK=1 shows the traceback)
  2  bad arguments or dataset file (YAML syntax, a key), or an input that cannot be read: a missing
     file, a malformed, empty or non-UTF-8 CSV, a required column missing (a wrong delimiter), a SQL
     error, a missing bucket, an unreachable S3 endpoint, access denied; or the version exists with
     other content (versions are immutable)
  3  data that fails validation: more values than maxParseFailures that do not parse, the
     service's minimums (1000 interactions, 25 users with 2 or more) or metadata limits
every failure is one line on stderr: prep: <what>: <why>"""


class InputError(ValueError):
    """An argument, config or input that cannot be used as given (exit code 2)."""


def first_line(error: BaseException | str) -> str:
    """The first non-empty line of an error's text: libraries add hints and query plans below it."""
    text = str(error).strip()
    return next((line.strip() for line in text.splitlines() if line.strip()), type(error).__name__)
