"""What botocore's service models say about requests, in one place for both
the providers (check at preview) and personalize-local (the service's answer)."""
