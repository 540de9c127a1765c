"""The completion signal: a small function, run on a schedule, that watches a
stack's long Personalize operations (dataset imports, trainings, campaign
updates) and, when one finishes or fails, triggers the next step: a GitHub
`repository_dispatch` (the deploy workflow runs `up` on it) and/or an SNS message.

Plain Python on boto3 and the standard library, so the same code runs in AWS
Lambda (handler: completion.handler.handler) and in the tests, against the
emulator. See completion/watch.py."""
