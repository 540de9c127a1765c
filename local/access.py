"""Whether Amazon Personalize, acting through the role a job names, may make one
S3 access on the user's behalf: the rules AWS documents, evaluated against the
IAM roles, bucket policies and KMS key policies moto holds in this process.

The rules, each from its page:
- The job must name a role (API_CreateDatasetImportJob.html: roleArn is optional in
  the model, yet the role is what reads the data source), the role must exist, and its trust policy must let personalize.amazonaws.com
  call sts:AssumeRole, under the conditions it sets (aws:SourceAccount,
  aws:SourceArn are the job's account and ARN):
  https://docs.aws.amazon.com/personalize/latest/dg/set-up-required-permissions.html
  https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html
- The role's policies (inline and attached managed) must allow the S3 action on
  the object (s3:GetObject, s3:PutObject) or the bucket (s3:ListBucket, with
  s3:prefix), and the bucket's policy must allow Personalize (the service
  principal, or the role) the same action; an applying Deny in either refuses it:
  https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
- An SSE-KMS object is read with kms:Decrypt, and written with
  kms:GenerateDataKey, of its key (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html);
  the key policy must allow Personalize (service principal or role; the account
  root delegates to the role's policies), and the role's policies must allow it
  too except for a dataset import job, where only the key policy must:
  https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-key-access.html

Matching is moto's (moto.iam.access_control.IAMPolicyStatement: Action/NotAction
and Resource with `*` wildcards; moto.iam.policy_conditions: StringEquals). What
moto does not do, and this module does around it: Service principals, an
explicit Deny overriding any Allow across statements and policies, a condition
key missing from the request failing the condition (IAM's rule), and the
ArnLike/ArnEquals/StringLike operators, matched with moto's own wildcard matcher.
Not evaluated: every other condition operator (Bool, Numeric*, Date*, IpAddress,
StringNot*, Null, ...IfExists, ForAnyValue:/ForAllValues:), NotPrincipal and
NotResource. A statement that uses one is taken at its most permissive: an Allow
applies, a Deny does not, so the emulator never denies what AWS would allow
because of something it cannot evaluate."""

import json
from dataclasses import dataclass

from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.iam.policy_conditions import CONDITION_OPERATIONS

from .errors import ServiceError

SERVICE_PRINCIPAL = "personalize.amazonaws.com"
# The reason a job fails with: the words Personalize is reported to use for a refused
# S3 access (no documentation page quotes them; the detail after them is the emulator's).
INSUFFICIENT = "Insufficient privileges for accessing data in S3"
_NOT_EVALUATED_KEYS = ("NotPrincipal", "NotResource")


def _like(expected, actual: str) -> bool:
    patterns = expected if isinstance(expected, list) else [expected]
    return any(IAMPolicyStatement._match(str(p), actual) for p in patterns)


# Operator -> (expected value(s), the request's value) -> whether it holds.
_OPERATORS = {**CONDITION_OPERATIONS, "StringLike": _like, "ArnLike": _like, "ArnEquals": _like}


@dataclass(frozen=True)
class Caller:
    """Personalize acting for one job: the role it assumes and the job's ARN."""

    role_arn: str | None  # CreateDatasetImportJob's roleArn is optional in the model
    source_arn: str

    @property
    def account(self) -> str:
        return self.source_arn.split(":")[4]

    @property
    def region(self) -> str:
        return self.source_arn.split(":")[3]

    @property
    def is_import(self) -> bool:
        return ":dataset-import-job/" in self.source_arn


def _statements(document) -> list[dict]:
    policy = json.loads(document) if isinstance(document, (str, bytes)) else document
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    return statements if isinstance(statements, list) else [statements]


def _principal_names(statement: dict, principals: set[str]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    named = []
    for value in principal.values():
        named += value if isinstance(value, list) else [value]
    return any(name == "*" or name in principals for name in named)


def _conditions_hold(statement: dict, context: dict[str, str]) -> bool | None:
    """True or False; None when the statement uses an operator not evaluated here."""
    for operator, keys in (statement.get("Condition") or {}).items():
        check = _OPERATORS.get(operator)
        if check is None:
            return None
        for key, expected in keys.items():
            actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
            if actual is None or not check(expected, actual):  # an absent key never matches
                return False
    return True


def _applies(statement: dict, action: str, resource: str, context: dict, principals: set[str] | None) -> bool:
    allow = statement.get("Effect") == "Allow"
    if any(k in statement for k in _NOT_EVALUATED_KEYS):
        return allow
    if principals is not None and not _principal_names(statement, principals):
        return False
    # moto matches Action/NotAction and Resource; IAM's action names are case-insensitive.
    lowered = {
        k: ([a.lower() for a in v] if isinstance(v, list) else str(v).lower())
        for k, v in statement.items()
        if k in ("Action", "NotAction")
    }
    matched = IAMPolicyStatement(
        {"Effect": statement.get("Effect"), "Resource": statement.get("Resource", resource), **lowered}
    ).is_action_permitted(action.lower(), resource)
    if matched == PermissionResult.NEUTRAL:
        return False
    holds = _conditions_hold(statement, context)
    return allow if holds is None else holds


def decide(
    documents: list, action: str, resource: str, context: dict[str, str], principals: set[str] | None = None
) -> str:
    """'deny' (an applying Deny), 'allow' (an applying Allow and no Deny), or
    'implicit' (nothing applies): IAM's evaluation of one set of policies."""
    verdict = "implicit"
    for document in documents:
        for statement in _statements(document):
            if not isinstance(statement, dict) or not _applies(statement, action, resource, context, principals):
                continue
            if statement.get("Effect") == "Deny":
                return "deny"
            verdict = "allow"
    return verdict


def _backends(account: str, region: str):
    from moto.iam.models import iam_backends
    from moto.kms.models import kms_backends
    from moto.s3.models import s3_backends

    return iam_backends[account]["aws"], s3_backends[account]["aws"], kms_backends[account][region]


def _denied(detail: str) -> ServiceError:
    return ServiceError("AccessDeniedException", f"{INSUFFICIENT}: {detail}")


class Access:
    """Raises a ServiceError whose message is the job's failureReason when
    Personalize may not make the access."""

    def require(self, caller: Caller, action: str, bucket: str, key: str | None = None, prefix: str = "") -> None:
        iam, s3, _ = _backends(caller.account, caller.region)
        role = self._assumable_role(iam, caller)
        resource = f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")
        context = self._context(caller)
        if action == "s3:ListBucket":
            context["s3:prefix"] = prefix
        where = f"{action} on {resource}"
        self._bucket(s3, bucket)
        verdict = decide(self._role_policies(role), action, resource, context)
        if verdict != "allow":
            raise _denied(f"the role {caller.role_arn} {self._says(verdict)} {where}.")
        policy = self._bucket(s3, bucket).policy
        verdict = decide([policy] if policy else [], action, resource, context, self._principals(caller))
        if verdict != "allow":
            raise _denied(f"the policy of bucket {bucket} {self._says(verdict, 'Amazon Personalize')} {where}.")

    def require_read(self, caller: Caller, bucket: str, key: str) -> None:
        """s3:GetObject of one object, and kms:Decrypt of its key when it is SSE-KMS."""
        self.require(caller, "s3:GetObject", bucket, key)
        _, s3, _ = _backends(caller.account, caller.region)
        stored = s3.get_object(bucket, key)
        if stored is not None and stored.encryption == "aws:kms" and stored.kms_key_id:
            self.require_key(caller, "kms:Decrypt", stored.kms_key_id)

    def require_write(self, caller: Caller, bucket: str, key: str) -> None:
        """s3:PutObject, and kms:GenerateDataKey when the bucket encrypts with SSE-KMS by default."""
        self.require(caller, "s3:PutObject", bucket, key)
        _, s3, _ = _backends(caller.account, caller.region)
        default = ((self._bucket(s3, bucket).encryption or {}).get("Rule") or {}).get(
            "ApplyServerSideEncryptionByDefault"
        ) or {}
        if default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID"):
            self.require_key(caller, "kms:GenerateDataKey", default["KMSMasterKeyID"])

    def require_key(self, caller: Caller, action: str, key_id: str) -> None:
        """The KMS use an SSE-KMS read (kms:Decrypt) or write (kms:GenerateDataKey) makes."""
        iam, _, kms = _backends(caller.account, caller.region)
        role = self._assumable_role(iam, caller)
        try:
            key = kms.describe_key(key_id)
        except KeyError:
            raise _denied(f"the KMS key {key_id} does not exist.") from None
        context = self._context(caller)
        # The key policy grants Personalize (its service principal or the role) directly, or
        # grants the account root, which hands the decision to the role's IAM policies
        # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
        direct = decide([key.policy], action, key.arn, context, self._principals(caller))
        delegated = decide([key.policy], action, key.arn, context, {f"arn:aws:iam::{caller.account}:root"})
        if direct == "deny" or (direct != "allow" and delegated != "allow"):
            raise _denied(f"the policy of KMS key {key.arn} does not allow Amazon Personalize {action}.")
        by_role = decide(self._role_policies(role), action, key.arn, context)
        # Only an import may rely on the key policy alone (granting-personalize-key-access.html).
        role_needed = direct != "allow" or not caller.is_import
        if by_role == "deny" or (by_role != "allow" and role_needed):
            raise _denied(f"the role {caller.role_arn} {self._says(by_role)} {action} on {key.arn}.")

    @staticmethod
    def _says(verdict: str, whom: str = "") -> str:
        whom = f" {whom}" if whom else ""
        return f"denies{whom}" if verdict == "deny" else f"does not allow{whom}"

    @staticmethod
    def _context(caller: Caller) -> dict[str, str]:
        return {"aws:SourceAccount": caller.account, "aws:SourceArn": caller.source_arn}

    @staticmethod
    def _principals(caller: Caller) -> set[str]:
        role_name = (caller.role_arn or "").rsplit("/", 1)[-1]
        return {
            SERVICE_PRINCIPAL,
            caller.role_arn or "",
            f"arn:aws:sts::{caller.account}:assumed-role/{role_name}/personalize",
        }

    def _assumable_role(self, iam, caller: Caller):
        from moto.iam.exceptions import NotFoundException

        if not caller.role_arn:  # https://docs.aws.amazon.com/personalize/latest/dg/API_CreateDatasetImportJob.html
            raise _denied(f"{caller.source_arn} names no roleArn; Amazon Personalize reads S3 through a role.")
        try:
            role = iam.get_role_by_arn(caller.role_arn)
        except NotFoundException:
            raise _denied(f"the role {caller.role_arn} does not exist.") from None
        trust = role.assume_role_policy_document
        try:
            verdict = decide([trust], "sts:AssumeRole", caller.role_arn, self._context(caller), {SERVICE_PRINCIPAL})
        except ValueError:
            verdict = "implicit"
        if verdict != "allow":
            raise _denied(
                f"the trust policy of role {caller.role_arn} does not let {SERVICE_PRINCIPAL} assume it "
                f"(for {caller.source_arn} in account {caller.account})."
            )
        return role

    @staticmethod
    def _bucket(s3, bucket: str):
        from moto.s3.exceptions import MissingBucket

        try:
            return s3.get_bucket(bucket)
        except MissingBucket:
            raise ServiceError(
                "InvalidInputException", f"Bucket {bucket} does not exist or is not accessible."
            ) from None

    @staticmethod
    def _role_policies(role) -> list:
        managed = [
            next(version.document for version in policy.versions if version.is_default)
            for policy in role.managed_policies.values()
        ]
        return list(role.policies.values()) + managed
