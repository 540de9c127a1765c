"""Batch segment job: the users most likely to interact with each item of a
file, written to S3, from a solution version of a USER_SEGMENTATION recipe
(aws-item-affinity, aws-item-attribute-affinity); the service refuses other
versions (https://docs.aws.amazon.com/personalize/latest/dg/getting-user-segments.html).
Create-only, like a batch inference job: a change runs a new job (new jobName);
the API cannot delete one."""

from providers.lifecycle import PersonalizeProvider, PersonalizeResource
from service import specs


class BatchSegmentJobProvider(PersonalizeProvider):
    spec = specs.BATCH_SEGMENT_JOB


class BatchSegmentJob(PersonalizeResource, module="personalize", name="BatchSegmentJob"):
    provider_class = BatchSegmentJobProvider
