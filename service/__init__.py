"""The service core: each Personalize resource's lifecycle (describe, create
or adopt, wait, update, delete) driven with boto3 alone, from the resource
specs. No Pulumi here: the providers adapt it to the engine, and the commands
(serving, evaluation) use it directly."""
